import * as tf from '@tensorflow/tfjs-core';
import { confusionMatrixSvg } from '@kd/plots';
import type { Dataset } from '@kd/data';
import { combineWithSpecialists, correctDustbinBias, createSpecialistModel, findConfusableClusters, specialistDataset } from '@kd/ensemble';
import type { SpecialistPrediction } from '@kd/ensemble';
import { confusionMatrix } from '@kd/trainer';
import {
  architectureName,
  convergenceText,
  errorCount,
  formatPercent,
  loadExampleData,
  markdownTable,
  mean,
  mlp,
  predictProbs,
  provenance,
  runSeeds,
  seedRunOptions,
  trainModelOnLabels,
  trainedEpochs,
  trainOnLabels,
  writeResultFile,
} from '@kd-examples/shared';
import type { CommonFlags, RunContext } from '@kd-examples/shared';

export interface SpecialistsSettings {
  /** Hidden width of the generalist (two layers); specialists copy it. */
  width: number;
  /** Number of clusters K-means looks for; clusters of one class get no specialist. */
  clusters: number;
  generalistEpochs: number;
  specialistEpochs: number;
}

export const defaultSettings: SpecialistsSettings = { width: 800, clusters: 4, generalistEpochs: 20, specialistEpochs: 10 };

const quickSettings = { width: 32, generalistEpochs: 6, specialistEpochs: 4 };

export interface SpecialistResult {
  classes: number[];
  classNames: string[];
  trainingExamples: number;
  oversamplingRatio: number;
  /** Epochs trained, and the one whose weights were kept. */
  epochs: number;
  bestEpoch: number;
  /** Test examples of these classes, and the errors on them of the generalist and of the combination. */
  testExamples: number;
  generalistErrors: number;
  combinedErrors: number;
}

export interface SeedResult {
  seed: number;
  clusters: number[][];
  /** The generalist's epochs trained, and the one whose weights were kept. */
  generalistEpochs: number;
  generalistBestEpoch: number;
  generalistTestErrors: number;
  combinedTestErrors: number;
  generalistAccuracy: number;
  combinedAccuracy: number;
  specialists: SpecialistResult[];
}

export interface SpecialistsResult {
  data: string;
  testSize: number;
  settings: SpecialistsSettings;
  seeds: SeedResult[];
  files: string[];
}

/** The paper's JFT result (section 5): 61 specialists raised test accuracy from 25.0 % to 26.1 %. */
export const paper = { generalistAccuracy: 0.25, combinedAccuracy: 0.261, specialists: 61 };

/** `confusionMatrix` of `@kd/trainer` over probabilities held as a plain array. */
function confusionOf(probs: Float32Array, classes: number, labels: Int32Array): number[][] {
  return tf.tidy(() => confusionMatrix(tf.tensor2d(probs, [labels.length, classes]), tf.tensor1d(labels, 'int32')));
}

function argMaxErrors(probs: Float32Array, classes: number, labels: Int32Array, rows?: readonly number[]): number {
  let errors = 0;
  for (const i of rows ?? labels.keys()) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[i * classes + c]! > probs[i * classes + best]!) best = c;
    if (best !== labels[i]) errors++;
  }
  return errors;
}

/** The examples `specialistDataset` draws from `data` for `classes` (half of them from those classes), relabelled for the specialist. */
function specialistExamples(data: Dataset, classes: readonly number[], seed: number): { examples: Dataset; oversamplingRatio: number } {
  const drawn = specialistDataset(data, classes, { seed });
  return { examples: data.subset(drawn.indices).withLabels({ labels: drawn.labels, numClasses: classes.length + 1 }), oversamplingRatio: drawn.oversamplingRatio };
}

/**
 * For each seed: trains a generalist, clusters the classes it confuses (K-means on the covariance
 * of its validation predictions, no labels), trains one specialist per cluster of two or more
 * classes (initialised from the generalist, half its examples from its classes, dustbin bias
 * corrected), and combines them with the generalist on the test set (`combineWithSpecialists`).
 */
export async function runSpecialists(flags: CommonFlags, context: RunContext, settings: SpecialistsSettings = defaultSettings): Promise<SpecialistsResult> {
  const started = performance.now();
  const data = await loadExampleData({ dir: flags.data, quick: flags.quick });
  const base = flags.quick ? { ...settings, ...quickSettings } : settings;
  const s: SpecialistsSettings = flags.epochs === null ? base : { ...base, generalistEpochs: flags.epochs, specialistEpochs: flags.epochs };
  const names = data.train.classNames ?? Array.from({ length: data.train.numClasses }, (_, c) => String(c));
  const numClasses = data.train.numClasses;
  let firstMatrices: { generalist: number[][]; combined: number[][] } | undefined;
  console.log(`data: ${data.source}; generalist ${architectureName(mlp(s.width))}`);

  const { seeds, files } = await runSeeds(flags, context, data, s, { paper }, async (seed): Promise<SeedResult> => {
    // Early stopping and the learning-rate cuts, when asked for, apply to the generalist and to each specialist.
    const run = seedRunOptions(flags, seed, data.validation);
    const generalist = await trainOnLabels(mlp(s.width), data.train, {
      ...run,
      label: 'generalist',
      epochs: s.generalistEpochs,
    });
    const clusters = tf.tidy(() => findConfusableClusters(tf.tensor2d(predictProbs(generalist.model, data.validation), [data.validation.size, numClasses]), { clusters: s.clusters, seed }));
    console.log(`seed ${seed} clusters: ${clusters.map((c) => `{${c.map((k) => names[k]).join(', ')}}`).join(' ')}`);
    const generalistProbs = predictProbs(generalist.model, data.test);
    const predictions: SpecialistPrediction[] = [];
    const specialists: SpecialistResult[] = [];
    for (const classes of clusters.filter((c) => c.length >= 2)) {
      const drawn = specialistExamples(data.train, classes, seed);
      const model = await createSpecialistModel(generalist.model, classes);
      const label = `specialist {${classes.map((c) => names[c]).join(', ')}}`;
      // Its validation examples are drawn from the validation set as its training examples are from the training set.
      const trained = await trainModelOnLabels(model, drawn.examples, {
        ...run,
        validation: specialistExamples(data.validation, classes, seed).examples,
        label,
        epochs: s.specialistEpochs,
      });
      correctDustbinBias(model, drawn.oversamplingRatio);
      predictions.push({ classes, probs: tf.tensor2d(predictProbs(model, data.test), [data.test.size, classes.length + 1]) });
      model.dispose();
      specialists.push({
        classes,
        classNames: classes.map((c) => names[c]!),
        trainingExamples: drawn.examples.size,
        oversamplingRatio: drawn.oversamplingRatio,
        ...trainedEpochs(trained),
        testExamples: 0,
        generalistErrors: 0,
        combinedErrors: 0,
      });
    }
    const combinedProbs = tf.tidy(() => combineWithSpecialists(tf.tensor2d(generalistProbs, [data.test.size, numClasses]), predictions).dataSync() as Float32Array);
    tf.dispose(predictions.map((p) => p.probs));
    const labels = data.test.labels;
    for (const sp of specialists) {
      const rows = [...labels.keys()].filter((i) => sp.classes.includes(labels[i]!));
      sp.testExamples = rows.length;
      sp.generalistErrors = argMaxErrors(generalistProbs, numClasses, labels, rows);
      sp.combinedErrors = argMaxErrors(combinedProbs, numClasses, labels, rows);
    }
    const generalistTestErrors = errorCount(generalist.model, data.test);
    const generalistEpochs = trainedEpochs(generalist);
    generalist.model.dispose();
    const combinedTestErrors = argMaxErrors(combinedProbs, numClasses, labels);
    if (firstMatrices === undefined) {
      firstMatrices = { generalist: confusionOf(generalistProbs, numClasses, labels), combined: confusionOf(combinedProbs, numClasses, labels) };
    }
    console.log(`seed ${seed}: generalist ${generalistTestErrors}, generalist + ${specialists.length} specialists ${combinedTestErrors} test errors / ${data.test.size}`);
    return {
      seed,
      clusters,
      generalistEpochs: generalistEpochs.epochs,
      generalistBestEpoch: generalistEpochs.bestEpoch,
      generalistTestErrors,
      combinedTestErrors,
      generalistAccuracy: 1 - generalistTestErrors / data.test.size,
      combinedAccuracy: 1 - combinedTestErrors / data.test.size,
      specialists,
    };
  }, writeSummary);

  async function writeSummary(merged: { seeds: SeedResult[]; commands: string[] }): Promise<{ text: string; files: string[] }> {
    const all = merged.seeds;
    const wall = (performance.now() - started) / 1000;
    const text = summaryMarkdown(data.name, data.test.size, s, flags, all, provenance(context, data, all.map((r) => r.seed), wall, merged.commands));
    const written = [await writeResultFile(context, `${data.name}-summary.md`, text)];
    for (const [which, matrix] of Object.entries(firstMatrices ?? {})) {
      const title = `${which === 'generalist' ? 'Generalist alone' : 'Generalist + specialists'} (${data.name}, seed ${flags.seeds[0]}, test)`;
      written.push(await writeResultFile(context, `${data.name}-confusion-${which}.svg`, confusionMatrixSvg({ matrix, title, classNames: names })));
    }
    return { text, files: written };
  }
  return { data: data.name, testSize: data.test.size, settings: s, seeds, files };
}

function summaryMarkdown(
  dataName: string,
  testSize: number,
  s: SpecialistsSettings,
  flags: Pick<CommonFlags, 'patience' | 'plateau'>,
  seeds: readonly SeedResult[],
  how: string,
): string {
  const atMost = flags.patience === null ? '' : 'at most ';
  const rows = [
    ['generalist alone', seeds.map((r) => r.generalistTestErrors).join(', '), formatPercent(seeds.map((r) => r.generalistAccuracy), 2), `${(100 * paper.generalistAccuracy).toFixed(1)} %`],
    ['generalist + specialists', seeds.map((r) => r.combinedTestErrors).join(', '), formatPercent(seeds.map((r) => r.combinedAccuracy), 2), `${(100 * paper.combinedAccuracy).toFixed(1)} % (${paper.specialists} specialists)`],
  ];
  const perCluster = seeds.flatMap((r) =>
    r.specialists.map((sp) => [String(r.seed), sp.classNames.join(', '), sp.trainingExamples, sp.oversamplingRatio.toFixed(2), `${sp.bestEpoch} of ${sp.epochs}`, sp.testExamples, sp.generalistErrors, sp.combinedErrors]),
  );
  return [
    `# specialists on ${dataName}`,
    '',
    how,
    `- generalist ${architectureName(mlp(s.width))}, hard labels, ${atMost}${s.generalistEpochs} epochs${flags.patience === null ? '' : ` (epoch kept per seed: ${seeds.map((r) => `${r.generalistBestEpoch} of ${r.generalistEpochs}`).join(', ')})`}; ${s.clusters} clusters by K-means on the covariance of its validation predictions; one specialist per cluster of two or more classes, started from the generalist's weights, trained ${atMost}${s.specialistEpochs} epochs on half in-cluster, half other examples (its validation examples drawn the same way from the validation set), dustbin bias corrected by log(oversampling ratio); combined by KL minimisation with the generalist's top-1 class choosing the specialists${convergenceText(flags.patience, flags.plateau)}; Adam, batch 128`,
    '',
    `Test errors out of ${testSize} per seed and accuracy (mean ± std over seeds):`,
    '',
    markdownTable(['model', 'test errors per seed', 'accuracy', 'paper (JFT)'], rows),
    '',
    'Per specialist: test examples of its classes and the errors on them, generalist alone → combined:',
    '',
    markdownTable(['seed', 'classes', 'training examples', 'oversampling', 'epoch kept', 'test examples', 'generalist errors', 'combined errors'], perCluster),
    '',
    `Mean change in test accuracy: ${(100 * mean(seeds.map((r) => r.combinedAccuracy - r.generalistAccuracy))).toFixed(2)} points.`,
  ].join('\n');
}
