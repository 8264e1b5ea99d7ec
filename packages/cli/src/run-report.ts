import { confusionMatrixSvg } from './confusion-matrix';
import type { ReportData, ReportFigure } from './html-report';
import { lineChartSvg } from './line-chart';
import type { LineSeries } from './line-chart';
import { reliabilityBins, reliabilityDiagramSvg } from './reliability-diagram';
import type { RunFolder } from './run-folder';
import { softTargetsSvg } from './soft-targets-chart';
import { softmaxAt } from './softmax';

export interface RunReportOptions {
  /** Temperatures of the soft-targets plot. Default [1, 2, 4, 8, 20]. */
  temperatures?: readonly number[];
  /** Which example's soft targets to show: its row in the predictions, from 0. Default 0. */
  example?: number;
  /** Bins of the reliability diagram. Default 10. */
  bins?: number;
}

/**
 * The report of one run: what was trained, the final metrics, learning curves (each loss term
 * per epoch, soft and hard separately, and validation metrics), and, when the run saved
 * predictions, a reliability diagram, a confusion matrix and one example's soft targets.
 */
export function buildRunReport(run: RunFolder, options: RunReportOptions = {}): ReportData {
  const { temperatures = [1, 2, 4, 8, 20], example = 0, bins = 10 } = options;
  const figures: ReportFigure[] = [];
  const last = run.epochs.at(-1);
  const lossNames = [...new Set(run.epochs.flatMap((record) => Object.keys(record.loss)))];
  if (lossNames.length > 0) {
    const series: LineSeries[] = lossNames.map((name) => ({
      name: `train ${name}`,
      points: run.epochs.map((record) => [record.epoch, record.loss[name] ?? Number.NaN]),
    }));
    const validationLoss = run.epochs.some((record) => record.validation?.nll !== undefined);
    if (validationLoss) {
      series.push({
        name: 'validation nll',
        dashed: true,
        points: run.epochs.map((record) => [record.epoch, record.validation?.nll ?? Number.NaN]),
      });
    }
    figures.push({
      heading: 'Learning curves: losses',
      svg: lineChartSvg({ title: 'Loss per epoch', xLabel: 'epoch', yLabel: 'loss', series }),
      caption:
        'Mean over each epoch of every training loss term (the soft term already multiplied by T², as in the paper)' +
        (validationLoss ? ', and the validation negative log-likelihood at T = 1.' : '.'),
    });
  }
  const validationNames = [...new Set(run.epochs.flatMap((record) => Object.keys(record.validation ?? {})))].filter(
    (name) => name !== 'nll' && name !== 'errorCount',
  );
  if (validationNames.length > 0) {
    figures.push({
      heading: 'Learning curves: validation',
      svg: lineChartSvg({
        title: 'Validation metrics per epoch',
        xLabel: 'epoch',
        yLabel: 'value',
        series: validationNames.map((name) => ({
          name,
          points: run.epochs.map((record) => [record.epoch, record.validation?.[name] ?? Number.NaN]),
        })),
      }),
    });
  }
  const predictions = run.predictions;
  if (predictions && predictions.labels.length > 0) {
    const probabilities = predictions.logits.map((row) => softmaxAt(row));
    figures.push({
      heading: `Reliability (${predictions.split})`,
      svg: reliabilityDiagramSvg({ bins: reliabilityBins(probabilities, predictions.labels, bins) }),
      caption: `Accuracy against confidence of the final model on the ${predictions.split} set; the dashed diagonal is perfect calibration, shaded boxes the gap.`,
    });
    const classes = predictions.logits[0]!.length;
    const matrix = Array.from({ length: classes }, () => Array.from({ length: classes }, () => 0));
    probabilities.forEach((row, i) => {
      matrix[predictions.labels[i]!]![row.indexOf(Math.max(...row))]!++;
    });
    figures.push({
      heading: `Confusion matrix (${predictions.split})`,
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
    facts.push(['epochs', String(last.epoch)], ['optimizer steps', String(last.step)]);
    if (last.temperature !== undefined) facts.push(['temperature', String(last.temperature)]);
    if (last.softWeight !== undefined) facts.push(['soft weight', String(last.softWeight)]);
    if (last.hardWeight !== undefined) facts.push(['hard weight', String(last.hardWeight)]);
    facts.push(['training time', `${run.epochs.reduce((sum, record) => sum + record.seconds, 0).toFixed(1)} s`]);
  }
  return {
    title: `kd report: ${run.name}`,
    subtitle: last ? `finished ${last.time}` : 'no epoch finished yet',
    facts,
    ...(run.metrics ? { metrics: run.metrics } : {}),
    figures,
  };
}
