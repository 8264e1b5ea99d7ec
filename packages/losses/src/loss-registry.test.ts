import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { attentionTransferLoss, createLoss, decoupledKdLoss, distillationLoss, distLoss, hintLoss, lossOptionSpecs, lossRegistry, maxTemperature } from '@kd/losses';
import type { LossOutput, LossSpec } from '@kd/losses';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';
import { relativeMatchers } from '../../../test/golden/golden';
import { expectFlatTensorCount } from '../../../test/no-leak';

expect.extend(relativeMatchers);

const read = (out: LossOutput) => ({
  total: out.total.dataSync()[0]!,
  terms: Object.fromEntries(Object.entries(out.terms).map(([name, t]) => [name, t.dataSync()[0]!])),
});

function logits(seed: number, batch = 6, classes = 5): Tensor {
  return tf.randomNormal([batch, classes], 0, 2, 'float32', seed);
}

describeBackends('lossRegistry / createLoss', () => {
  it('is a plain object of the documented keys', () => {
    expect(Object.keys(lossRegistry).toSorted()).toEqual(['attentionTransfer', 'decoupledKd', 'dist', 'distillation', 'hint', 'logitMatching']);
  });

  it('builds the Hinton loss from a JSON spec: weighted terms that sum to the total, equal to distillationLoss', () => {
    tf.tidy(() => {
      const spec = JSON.parse('{ "key": "distillation", "options": { "temperature": 4, "softWeight": 0.9, "hardWeight": 0.1 } }') as LossSpec;
      const loss = createLoss(spec);
      const inputs = { studentLogits: logits(1), teacherLogits: logits(2), labels: tf.tensor1d([0, 1, -1, 3, 4, 2], 'int32') };
      const got = read(loss(inputs));
      const direct = distillationLoss({ ...inputs, temperature: 4, softWeight: 0.9, hardWeight: 0.1 });
      expect(Object.keys(got.terms).toSorted()).toEqual(['hard', 'soft']);
      expect(got.terms.soft!, 'soft').toBeRelativelyClose(0.9 * direct.soft.dataSync()[0]!, 1e-6);
      expect(got.terms.hard!, 'hard').toBeRelativelyClose(0.1 * direct.hard!.dataSync()[0]!, 1e-6);
      expect(got.total, 'total').toBeRelativelyClose(direct.total.dataSync()[0]!, 1e-6);
      expect(got.total, 'sum of terms').toBeRelativelyClose(got.terms.soft! + got.terms.hard!, 1e-6);
      expect(Object.keys(read(loss({ studentLogits: inputs.studentLogits, teacherProbs: tf.softmax(tf.div(inputs.teacherLogits, 4)) }, { hardWeight: 0 })).terms)).toEqual(['soft']);
    });
  });

  it('carries every option it was built with, defaults included, and what it needs in its inputs', () => {
    const loss = createLoss({ key: 'distillation', options: { temperature: 4 } });
    expect(loss.config).toEqual({ key: 'distillation', options: { temperature: 4, softWeight: 1, hardWeight: 0 } });
    expect(createLoss(loss.config).config).toEqual(loss.config);
    expect(loss.needs).toEqual({ teacher: 'logitsOrProbs', labels: 'optional' });
    const dkd = createLoss({ key: 'decoupledKd', options: { temperature: 2 } });
    expect(dkd.config.options).toEqual({ temperature: 2, tckdWeight: 1, nckdWeight: 8, hardWeight: 0 });
    expect(dkd.needs).toEqual({ teacher: 'logits', labels: 'every' });
    expect(createLoss({ key: 'dist', options: { temperature: 1 } }).config.options).toEqual({ temperature: 1, interWeight: 1, intraWeight: 1, hardWeight: 0 });
    expect(createLoss({ key: 'logitMatching' }).needs.teacher).toBe('logits');
    expect(createLoss({ key: 'attentionTransfer' }).config.options).toEqual({ weight: 1, p: 2, hardWeight: 0 });
    expect(createLoss({ key: 'hint' }).needs.teacher).toBe('features');
  });

  it('publishes its option table: bounds and defaults, the required ones without', () => {
    expect(lossOptionSpecs.distillation.numeric).toEqual({
      temperature: { bound: 'positive', max: maxTemperature },
      softWeight: { bound: 'nonNegative', default: 1 },
      hardWeight: { bound: 'nonNegative', default: 0 },
    });
    expect(Object.keys(lossOptionSpecs.decoupledKd.numeric)).toEqual(['temperature', 'tckdWeight', 'nckdWeight', 'hardWeight']);
    expect(lossOptionSpecs.hint.other).toEqual(['projection']);
    expect(lossOptionSpecs.decoupledKd.needs).toEqual(createLoss({ key: 'decoupledKd', options: { temperature: 1 } }).needs);
  });

  it('refuses a temperature above maxTemperature, in options and in overrides, naming it', () => {
    expect(maxTemperature).toBe(1000);
    for (const key of ['distillation', 'decoupledKd', 'dist'] as const) {
      expect(() => createLoss({ key, options: { temperature: 1e30 } })).toThrow(
        `Argument 'options.temperature' passed to 'createLoss('${key}')' must be a finite number in (0, 1000], got 1e+30`,
      );
    }
    const loss = createLoss({ key: 'distillation', options: { temperature: maxTemperature } });
    tf.tidy(() => {
      expect(() => loss({ studentLogits: logits(3), teacherLogits: logits(4) }, { temperature: 1001 })).toThrow(
        "Argument 'overrides.temperature' passed to 'distillation loss' must be a finite number in (0, 1000], got 1001",
      );
    });
  });

  it('types a spec by its key: an option of another loss or a missing required one does not compile', () => {
    const specs: LossSpec[] = [
      // @ts-expect-error 'alpha' is not an option of 'distillation'
      { key: 'distillation', options: { temperature: 4, alpha: 0.5 } },
      // @ts-expect-error 'dist' requires options.temperature
      { key: 'dist' },
      // @ts-expect-error DKD's weights are tckdWeight and nckdWeight
      { key: 'decoupledKd', options: { temperature: 4, beta: 8 } },
    ];
    // What the compiler refuses, createLoss refuses at run time too (a spec read from JSON).
    for (const spec of specs) expect(() => createLoss(spec)).toThrow(/passed to 'createLoss\('(distillation|dist|decoupledKd)'\)'/);
  });

  it('takes per-call overrides for schedules without changing the configured options', () => {
    tf.tidy(() => {
      const loss = createLoss({ key: 'distillation', options: { temperature: 2 } });
      const inputs = { studentLogits: logits(3), teacherLogits: logits(4) };
      const at = (temperature: number) => distillationLoss({ ...inputs, temperature }).soft.dataSync()[0]!;
      expect(read(loss(inputs, { temperature: 8 })).total, 'overridden temperature').toBeRelativelyClose(at(8), 1e-6);
      expect(read(loss(inputs)).total, 'configured temperature again').toBeRelativelyClose(at(2), 1e-6);
      expect(read(loss(inputs, { softWeight: 0.5 })).total, 'overridden softWeight').toBeRelativelyClose(0.5 * at(2), 1e-6);
    });
  });

  it('builds DKD, DIST, logit matching, hint and attention transfer with their named terms', () => {
    tf.tidy(() => {
      const studentLogits = logits(5);
      const teacherLogits = logits(6);
      const labels = tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32');

      const dkd = read(createLoss({ key: 'decoupledKd', options: { temperature: 4, tckdWeight: 1, nckdWeight: 8, hardWeight: 1 } })({ studentLogits, teacherLogits, labels }));
      const dkdDirect = decoupledKdLoss({ studentLogits, teacherLogits, labels, temperature: 4 });
      expect(Object.keys(dkd.terms).toSorted()).toEqual(['hard', 'nckd', 'tckd']);
      expect(dkd.terms.tckd!, 'tckd').toBeRelativelyClose(dkdDirect.tckd.dataSync()[0]!, 1e-6);
      expect(dkd.terms.nckd!, 'nckd').toBeRelativelyClose(8 * dkdDirect.nckd.dataSync()[0]!, 1e-6);

      const dist = read(createLoss({ key: 'dist', options: { temperature: 2, intraWeight: 2 } })({ studentLogits, teacherLogits }));
      const distDirect = distLoss({ studentLogits, teacherLogits, temperature: 2 });
      expect(dist.terms.inter!, 'inter').toBeRelativelyClose(distDirect.inter.dataSync()[0]!, 1e-6);
      expect(dist.terms.intra!, 'intra').toBeRelativelyClose(2 * distDirect.intra.dataSync()[0]!, 1e-6);

      expect(Object.keys(read(createLoss({ key: 'logitMatching' })({ studentLogits, teacherLogits })).terms)).toEqual(['logits']);

      const s1 = tf.randomNormal([2, 4], 0, 1, 'float32', 7);
      const t1 = tf.randomNormal([2, 3], 0, 1, 'float32', 8);
      const s2 = tf.randomNormal([2, 3], 0, 1, 'float32', 9);
      const t2 = tf.randomNormal([2, 3], 0, 1, 'float32', 10);
      const w = tf.randomNormal([4, 3], 0, 1, 'float32', 11);
      const project = (s: Tensor) => tf.matMul(s as tf.Tensor2D, w);
      const hint = read(createLoss({ key: 'hint', options: { weight: 0.5, projection: [project, (s: Tensor) => s] } })({ studentFeatures: [s1, s2], teacherFeatures: [t1, t2] }));
      const hintDirect = hintLoss({ studentFeatures: s1, teacherFeatures: t1, projection: project }).dataSync()[0]! + hintLoss({ studentFeatures: s2, teacherFeatures: t2 }).dataSync()[0]!;
      expect(hint.terms.hint!, 'hint summed over layers').toBeRelativelyClose(0.5 * hintDirect, 1e-6);

      const a = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 12);
      const b = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 13);
      const at = read(createLoss({ key: 'attentionTransfer', options: { weight: 500 } })({ studentFeatures: a, teacherFeatures: b }));
      expect(at.terms.attention!, 'attention').toBeRelativelyClose(500 * attentionTransferLoss({ studentFeatures: a, teacherFeatures: b }).dataSync()[0]!, 1e-6);
    });
  });

  it('differentiates through the total', () => {
    tf.tidy(() => {
      const loss = createLoss({ key: 'decoupledKd', options: { temperature: 4, hardWeight: 1 } });
      const teacherLogits = logits(14);
      const labels = tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32');
      const grad = tf.grad((z: Tensor) => loss({ studentLogits: z, teacherLogits, labels }).total)(logits(15));
      expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
    });
  });

  const bad: Array<[string, () => unknown, RegExp]> = [
    ['an unknown key, listing the known ones', () => createLoss({ key: 'hinton' } as never), /'spec.key' passed to 'createLoss' must be one of 'distillation', 'logitMatching', 'decoupledKd', 'dist', 'hint', 'attentionTransfer', got 'hinton'/],
    ['a key inherited from Object', () => createLoss({ key: 'toString' } as never), /must be one of .* got 'toString'/],
    ['an unknown option name', () => createLoss({ key: 'distillation', options: { temperature: 4, alpha: 0.5 } } as never), /'options' passed to 'createLoss\('distillation'\)' has unknown option\(s\) 'alpha'; known options: temperature, softWeight, hardWeight/],
    ['a missing required option', () => createLoss({ key: 'dist', options: {} } as never), /'options.temperature' passed to 'createLoss\('dist'\)' is required/],
    ['an invalid option value', () => createLoss({ key: 'decoupledKd', options: { temperature: '4' } } as never), /'options.temperature' passed to 'createLoss\('decoupledKd'\)' must be a finite number > 0, got '4'/],
    ['a projection that is not a function', () => createLoss({ key: 'hint', options: { projection: 'dense' } } as never), /'options.projection' passed to 'createLoss\('hint'\)' must be a function \(features\) => Tensor or a list of them/],
    ['an unknown override', () => createLoss({ key: 'distillation', options: { temperature: 4 } })({}, { temprature: 2 }), /'overrides' passed to 'distillation loss' has unknown option\(s\) 'temprature'/],
    ['an invalid override', () => createLoss({ key: 'distillation', options: { temperature: 4 } })({}, { temperature: -1 }), /'overrides.temperature' passed to 'distillation loss' must be a finite number > 0, got -1/],
    ['hardWeight without labels', () => createLoss({ key: 'dist', options: { temperature: 1, hardWeight: 1 } })({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]) }), /'hardWeight' passed to 'dist loss' must be 0 when no 'labels' are given, got 1/],
    ['a missing input', () => createLoss({ key: 'logitMatching' })({ studentLogits: tf.zeros([2, 3]) }), /'inputs.teacherLogits' passed to 'logitMatching loss' is required by this loss/],
    ['mismatched feature lists', () => createLoss({ key: 'hint' })({ studentFeatures: [tf.zeros([1, 2])], teacherFeatures: [tf.zeros([1, 2]), tf.zeros([1, 2])] }), /must list the same number \(>= 1\) of layers, got 1 and 2/],
    ['bad labels', () => createLoss({ key: 'distillation', options: { temperature: 1, hardWeight: 1 } })({ studentLogits: tf.zeros([2, 3]), teacherLogits: tf.zeros([2, 3]), labels: tf.tensor1d([0, 9], 'int32') }), /'labels' passed to 'distillation loss' must hold class ids -1 \(no label\) or 0 to 2, got 9 at index 1/],
  ];
  it.each(bad)('rejects %s', (_, run, message) => {
    tf.tidy(() => {
      expect(run).toThrow(message);
    });
  });

  it('keeps the tensor count flat over many batches', async () => {
    const loss = createLoss({ key: 'distillation', options: { temperature: 4, hardWeight: 0.5 } });
    const studentLogits = logits(16);
    const teacherLogits = logits(17);
    const labels = tf.tensor1d([0, 1, 2, -1, 4, 0], 'int32');
    await expectFlatTensorCount(10, (round) => {
      const out = loss({ studentLogits, teacherLogits, labels }, { temperature: 1 + round });
      tf.dispose([out.total, ...Object.values(out.terms)]);
    });
    tf.dispose([studentLogits, teacherLogits, labels]);
  });
});
