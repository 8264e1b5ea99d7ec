// The page: picks a backend, loads the digits, runs the session and draws it live.
import { chooseBackend, pagePreferences } from './choose-backend';
import type { PagePreference } from './choose-backend';
import { decodeDigits } from './digits-file';
import { runDistilSession } from './distil-session';
import type { SessionOptions, SessionProgress } from './distil-session';
import { lineChart } from './line-chart';

/** What the page exposes as `window.kdProgress`, for people in the console and for the test. */
export interface PageProgress {
  phase: 'loading' | SessionProgress['phase'] | 'error';
  /** The tfjs backend in use, once chosen. */
  backend: string | null;
  /** Students' steps done. */
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

const COLORS = { teacher: '#6b4fbb', distilled: '#d9480f', labelsOnly: '#1c7ed6' };
const percent = (v: number) => `${(v * 100).toFixed(1)}%`;
const wholePercent = (v: number) => `${Math.round(v * 100)}%`;

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

/** Session options from the query string (`?studentSteps=100&temperature=3`), for experiments. */
function optionsFromQuery(params: URLSearchParams): SessionOptions {
  const keys = ['teacherUnits', 'teacherSteps', 'studentUnits', 'studentSteps', 'transferSize', 'batchSize', 'temperature', 'softWeight', 'hardWeight', 'evalEvery', 'seed'] as const;
  const options: SessionOptions = {};
  for (const key of keys) {
    const text = params.get(key);
    if (text !== null) options[key] = Number(text);
  }
  return options;
}

function last(points: ReadonlyArray<{ value: number }>): number | undefined {
  return points.at(-1)?.value;
}

function draw(progress: SessionProgress): void {
  const teacherAccuracy = last(progress.teacher.accuracy);
  element('teacher-chart').innerHTML = lineChart({
    title: 'Teacher: test accuracy',
    steps: progress.teacherSteps,
    yMin: 0,
    yMax: 1,
    formatY: wholePercent,
    series: [{ name: `teacher (${progress.teacherLayers.join('-')})`, color: COLORS.teacher, points: progress.teacher.accuracy }],
  });
  const teacherLine =
    teacherAccuracy === undefined || progress.phase === 'teacher'
      ? []
      : [{ name: 'teacher', color: COLORS.teacher, dashed: true, points: [{ step: 0, value: teacherAccuracy }, { step: progress.studentSteps, value: teacherAccuracy }] }];
  element('accuracy-chart').innerHTML = lineChart({
    title: 'Students: test accuracy',
    steps: progress.studentSteps,
    yMin: 0,
    yMax: 1,
    formatY: wholePercent,
    series: [
      { name: `distilled (T = ${progress.temperature})`, color: COLORS.distilled, points: progress.distilled.accuracy },
      { name: 'labels only', color: COLORS.labelsOnly, points: progress.labelsOnly.accuracy },
      ...teacherLine,
    ],
  });
  element('loss-chart').innerHTML = lineChart({
    title: 'Students: training loss',
    steps: progress.studentSteps,
    series: [
      { name: `distilled (soft + ${progress.hardWeight} × hard)`, color: COLORS.distilled, points: progress.distilled.loss },
      { name: 'labels only', color: COLORS.labelsOnly, points: progress.labelsOnly.loss },
    ],
  });
  element('transfer-size').textContent = progress.transferSize.toLocaleString('en-US');
  const distilled = last(progress.distilled.accuracy);
  const labelsOnly = last(progress.labelsOnly.accuracy);
  element('teacher-result').textContent = teacherAccuracy === undefined ? '–' : percent(teacherAccuracy);
  element('distilled-result').textContent = distilled === undefined ? '–' : percent(distilled);
  element('labels-result').textContent = labelsOnly === undefined ? '–' : percent(labelsOnly);
  if (distilled !== undefined && labelsOnly !== undefined && progress.phase !== 'teacher') {
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
  const yielder = new MessageChannel();
  yielder.port1.start();
  const result = await runDistilSession(digits, options, {
    onProgress(progress) {
      page.phase = progress.phase;
      page.step = progress.distilled.loss.length;
      page.accuracy = progress.distilled.accuracy.map((p) => p.value);
      page.labelsOnlyAccuracy = progress.labelsOnly.accuracy.map((p) => p.value);
      page.teacherAccuracy = progress.teacher.accuracy.at(-1)?.value ?? null;
      page.seconds = (performance.now() - started) / 1000;
      status.textContent =
        progress.phase === 'teacher'
          ? `Training the teacher: step ${progress.teacher.loss.length} of ${progress.teacherSteps}`
          : `Training both students: step ${page.step} of ${progress.studentSteps}`;
      // Redraw at most once per frame: the session reports after every step.
      if (frame === 0) {
        frame = requestAnimationFrame(() => {
          frame = 0;
          draw(progress);
        });
      }
    },
    // A message to ourselves yields to rendering and input without setTimeout's 4 ms clamp.
    pause: () =>
      new Promise((resolve) => {
        yielder.port1.addEventListener('message', () => resolve(), { once: true });
        yielder.port2.postMessage(null);
      }),
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
