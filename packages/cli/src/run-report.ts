import { calibrationBins, softmax } from '@kd/core';
import { confusionMatrixSvg, lineChartSvg, reliabilityDiagramSvg, softTargetsSvg } from '@kd/plots';
import type { LineSeries, ReportData, ReportFigure } from '@kd/plots';
import type { RunFolder } from './run-folder';
import { runRoles } from './run-folder';

export interface RunReportOptions {
  /** Temperatures of the soft-targets plot. Default [1, 2, 4, 8, 20]. */
  temperatures?: readonly number[];
  /** Which example's soft targets to show: its row in the predictions, from 0. Default 0. */
  example?: number;
  /**
   * Bins of the reliability diagram. Default: `calibrationBins`'s (15), the binning the `ece` metric
   * of @kd/trainer uses, so the diagram's ECE is the one in `results.json`.
   */
  bins?: number;
}

/**
 * The report of one run: what was trained, the final metrics, learning curves (each loss term
 * per epoch, soft and hard separately, and validation metrics), and, when the run saved
 * predictions, a reliability diagram, a confusion matrix and one example's soft targets.
 */
export function buildRunReport(run: RunFolder, options: RunReportOptions = {}): ReportData {
  const { temperatures = [1, 2, 4, 8, 20], example = 0, bins } = options;
  const figures: ReportFigure[] = [];
  const epochs = run.logs.student ?? [];
  const last = epochs.at(-1);
  const lossNames = [...new Set(epochs.flatMap((record) => Object.keys(record.loss)))];
  if (lossNames.length > 0) {
    const series: LineSeries[] = lossNames.map((name) => ({
      name: `train ${name}`,
      points: epochs.map((record) => [record.epoch, record.loss[name] ?? Number.NaN]),
    }));
    const validationLoss = epochs.some((record) => record.validation?.nll !== undefined);
    if (validationLoss) {
      series.push({
        name: 'validation nll',
        dashed: true,
        points: epochs.map((record) => [record.epoch, record.validation?.nll ?? Number.NaN]),
      });
    }
    figures.push({
      heading: 'Learning curves: student losses',
      svg: lineChartSvg({ title: 'Student loss per epoch', xLabel: 'epoch', yLabel: 'loss', series }),
      caption:
        'Mean over each epoch of every training loss term (the soft term already multiplied by T², as in the paper)' +
        (validationLoss ? ', and the validation negative log-likelihood at T = 1.' : '.'),
    });
  }
  const accuracy: LineSeries[] = runRoles.flatMap((role) => {
    const records = run.logs[role] ?? [];
    return records.some((record) => record.validation?.accuracy !== undefined)
      ? [{ name: role, points: records.map((record) => [record.epoch, record.validation?.accuracy ?? Number.NaN] as const) }]
      : [];
  });
  if (accuracy.length > 0) {
    figures.push({
      heading: 'Learning curves: validation accuracy',
      svg: lineChartSvg({ title: 'Validation accuracy per epoch', xLabel: 'epoch', yLabel: 'accuracy', series: accuracy }),
      caption: 'Accuracy on the held-out validation set after each epoch, for every model the run trained.',
    });
  }
  const predictions = run.predictions;
  if (predictions && predictions.labels.length > 0) {
    const probabilities = predictions.logits.map((row) => Array.from(softmax(row)));
    const binned = calibrationBins({ probabilities, labels: predictions.labels, ...(bins === undefined ? {} : { bins }) });
    figures.push({
      heading: `Reliability (student, ${predictions.split})`,
      svg: reliabilityDiagramSvg({ bins: binned }),
      caption: `Accuracy against confidence of the final student on the ${predictions.split} set, in ${binned.length} bins; the dashed diagonal is perfect calibration.`,
    });
    const classes = predictions.logits[0]!.length;
    const matrix = Array.from({ length: classes }, () => Array.from({ length: classes }, () => 0));
    probabilities.forEach((row, i) => {
      matrix[predictions.labels[i]!]![row.indexOf(Math.max(...row))]!++;
    });
    figures.push({
      heading: `Confusion matrix (student, ${predictions.split})`,
      svg: confusionMatrixSvg({ matrix, ...(predictions.classNames ? { classNames: predictions.classNames } : {}) }),
    });
    const teacher = predictions.teacherLogits?.[example];
    if (teacher) {
      figures.push({
        heading: 'Soft targets',
        svg: softTargetsSvg({
          logits: teacher,
          temperatures,
          label: predictions.labels[example]!,
          title: `Teacher's soft targets for ${predictions.split} example ${example + 1}`,
          ...(predictions.classNames ? { classNames: predictions.classNames } : {}),
        }),
        caption: 'softmax(teacher logits / T): higher temperatures reveal how the teacher ranks the wrong classes.',
      });
    }
  }
  const facts: Array<[string, string]> = [['run folder', run.dir]];
  if (last) {
    facts.push(['student epochs', String(last.epoch)], ['student optimizer steps', String(last.step)]);
    for (const [name, value] of Object.entries(last.lossOptions ?? {})) facts.push([`loss ${name} (last epoch)`, String(value)]);
  }
  for (const role of runRoles) {
    const records = run.logs[role];
    if (records?.length) {
      facts.push([`${role} training time`, `${records.reduce((sum, record) => sum + record.seconds, 0).toFixed(1)} s`]);
    }
  }
  const metrics: Record<string, Record<string, number>> = {};
  if (last?.validation) metrics['student validation'] = last.validation;
  if (run.results) {
    for (const role of runRoles) {
      const test = run.results[role]?.test;
      if (test) metrics[`${role} test`] = test;
    }
  }
  return {
    title: `kd report: ${run.results?.name ?? run.name}`,
    subtitle: last ? `student's last epoch ended ${last.time}` : 'the student has not finished an epoch',
    facts,
    metrics,
    figures,
  };
}
