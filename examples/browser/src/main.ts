// The page: picks a backend, loads the digits, runs the session and draws it live.
import { chooseBackend, pagePreferences } from './choose-backend';
import type { PagePreference } from './choose-backend';
import { decodeDigits } from './digits-file';
import { lineChartSvg } from '@kd/plots';
import type { LineSeries } from '@kd/plots';
import { runDistilSession } from './distil-session';
import type { Point, SessionOptions, SessionProgress } from './distil-session';

/** What the page exposes as `window.kdProgress`, for people in the console and for the test. */
export interface PageProgress {
  phase: 'loading' | SessionProgress['phase'] | 'error';
  /** The tfjs backend in use, once chosen. */
  backend: string | null;
  /** The distilled student's steps done. */
  step: number;
  /** The distilled student's test accuracy at each measurement, the first before any step. */
  accuracy: number[];
  /** The same for the student trained on labels only. */
  labelsOnlyAccuracy: number[];
  /** The teacher's latest test accuracy. */
  teacherAccuracy: number | null;
  done: boolean;
  error: string | null;
  /** Seconds since the page started training. */
  seconds: number;
}

declare global {
  interface Window {
    kdProgress: PageProgress;
  }
}

const percent = (v: number) => `${(v * 100).toFixed(1)}%`;

const page: PageProgress = {
  phase: 'loading',
  backend: null,
  step: 0,
  accuracy: [],
  labelsOnlyAccuracy: [],
  teacherAccuracy: null,
  done: false,
  error: null,
  seconds: 0,
};
window.kdProgress = page;

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found;
}

/** Session options from the query string (`?studentEpochs=10&temperature=3`), for experiments. */
function optionsFromQuery(params: URLSearchParams): SessionOptions {
  const keys = ['teacherUnits', 'teacherEpochs', 'studentUnits', 'studentEpochs', 'transferSize', 'batchSize', 'temperature', 'softWeight', 'hardWeight', 'evalEvery', 'seed'] as const;
  const options: SessionOptions = {};
  for (const key of keys) {
    const text = params.get(key);
    if (text !== null) options[key] = Number(text);
  }
  return options;
}

const points = (curve: ReadonlyArray<Point>): Array<[number, number]> => curve.map(({ step, value }) => [step, value]);

function draw(progress: SessionProgress): void {
  const teacherAccuracy = progress.teacher.accuracy.at(-1)?.value;
  element('teacher-chart').innerHTML = lineChartSvg({
    title: 'Teacher: test accuracy',
    xLabel: 'step',
    yLabel: 'accuracy',
    series: [{ name: `teacher (784-${progress.teacherUnits}-${progress.teacherUnits}-10)`, points: points(progress.teacher.accuracy) }],
  });
  const teacherLine: LineSeries[] =
    teacherAccuracy === undefined || progress.phase === 'teacher'
      ? []
      : [{ name: 'teacher', dashed: true, points: [[0, teacherAccuracy], [progress.studentSteps, teacherAccuracy]] }];
  element('accuracy-chart').innerHTML = lineChartSvg({
    title: 'Students: test accuracy',
    xLabel: 'step',
    yLabel: 'accuracy',
    series: [
      { name: `distilled (T = ${progress.temperature})`, points: points(progress.distilled.accuracy) },
      { name: 'labels only', points: points(progress.labelsOnly.accuracy) },
      ...teacherLine,
    ],
  });
  element('loss-chart').innerHTML = lineChartSvg({
    title: 'Students: training loss',
    xLabel: 'step',
    yLabel: 'loss',
    series: [
      { name: `distilled (soft + ${progress.hardWeight} × hard)`, points: points(progress.distilled.loss) },
      { name: 'labels only', points: points(progress.labelsOnly.loss) },
    ],
  });
  element('transfer-size').textContent = progress.transferSize.toLocaleString('en-US');
  const distilled = progress.distilled.accuracy.at(-1)?.value;
  const labelsOnly = progress.labelsOnly.accuracy.at(-1)?.value;
  element('teacher-result').textContent = teacherAccuracy === undefined ? '–' : percent(teacherAccuracy);
  element('distilled-result').textContent = distilled === undefined ? '–' : percent(distilled);
  element('labels-result').textContent = labelsOnly === undefined ? '–' : percent(labelsOnly);
  if (distilled !== undefined && labelsOnly !== undefined && progress.phase === 'done') {
    const fewer = Math.round((distilled - labelsOnly) * progress.testSize);
    element('comparison').textContent =
      fewer === 0 ? 'Both students make as many test errors.' : `The distilled student makes ${Math.abs(fewer)} ${fewer > 0 ? 'fewer' : 'more'} errors on the ${progress.testSize.toLocaleString('en-US')} test digits.`;
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const params = new URLSearchParams(location.search);
  const preference = (params.get('backend') ?? 'auto') as PagePreference;
  if (!pagePreferences.includes(preference)) {
    throw new Error(`?backend= must be one of ${pagePreferences.join(', ')}, got '${preference}'`);
  }
  const options = optionsFromQuery(params);
  const status = element('status');
  status.textContent = 'Choosing a backend…';
  const backend = await chooseBackend(preference, new URL('wasm/', location.href).href);
  page.backend = backend.name;
  element('backend').textContent = `${backend.name} (${backend.detail})`;
  element('skipped').textContent = backend.skipped.map((s) => `${s.name} skipped: ${s.reason}`).join('; ');

  status.textContent = 'Loading 10,000 MNIST digits…';
  const response = await fetch('digits.bin');
  if (!response.ok) throw new Error(`digits.bin: HTTP ${response.status}`);
  const digits = decodeDigits(new Uint8Array(await response.arrayBuffer()));
  element('data').textContent = `${digits.train.size.toLocaleString('en-US')} training and ${digits.test.size.toLocaleString('en-US')} test digits`;

  let frame = 0;
  const phases = { teacher: 'Training the teacher', distilled: 'Distilling the student', labelsOnly: 'Training its twin on the labels only', done: 'Done' };
  const result = await runDistilSession(digits, options, (progress) => {
    page.phase = progress.phase;
    page.step = progress.distilled.loss.length;
    page.accuracy = progress.distilled.accuracy.map((p) => p.value);
    page.labelsOnlyAccuracy = progress.labelsOnly.accuracy.map((p) => p.value);
    page.teacherAccuracy = progress.teacher.accuracy.at(-1)?.value ?? null;
    page.seconds = (performance.now() - started) / 1000;
    const curve = progress[progress.phase === 'done' ? 'labelsOnly' : progress.phase];
    const total = progress.phase === 'teacher' ? progress.teacherSteps : progress.studentSteps;
    status.textContent = `${phases[progress.phase]}: step ${curve.loss.length} of ${total}`;
    // Redraw at most once per frame: the session reports after every step (the trainer's loop
    // yields to the browser between steps, so frames come).
    if (frame === 0) {
      frame = requestAnimationFrame(() => {
        frame = 0;
        draw(progress);
      });
    }
  });
  cancelAnimationFrame(frame);
  draw(result);
  page.seconds = (performance.now() - started) / 1000;
  status.textContent = `Done in ${page.seconds.toFixed(1)} s.`;
  page.done = true;
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  page.phase = 'error';
  page.error = message;
  const status = document.getElementById('status');
  if (status) {
    status.textContent = `Error: ${message}`;
    status.classList.add('error');
  }
  console.error(error);
});
