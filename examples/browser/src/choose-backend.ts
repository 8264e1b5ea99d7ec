import * as tf from '@tensorflow/tfjs-core';
// Importing a backend package registers the backend with tfjs; nothing else is used from these.
// oxlint-disable-next-line import/no-unassigned-import
import '@tensorflow/tfjs-backend-cpu';
// oxlint-disable-next-line import/no-unassigned-import
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { useBackend } from '@kd/backend';

/** A backend the page can ask for; `'auto'` takes the fastest one that works. */
export type PagePreference = 'auto' | 'webgl' | 'wasm' | 'cpu';

export const pagePreferences: readonly PagePreference[] = ['auto', 'webgl', 'wasm', 'cpu'];

/** What {@link chooseBackend} set up. */
export interface ChosenBackend {
  /** The active tfjs backend: `webgl`, `wasm` or `cpu`. */
  name: string;
  /** One line for people: the GPU, or the threads and SIMD of WebAssembly. */
  detail: string;
  /** Faster backends passed over with `'auto'`, and why. */
  skipped: Array<{ name: string; reason: string }>;
}

// A software rasteriser runs WebGL shaders on the CPU, slower than WebAssembly SIMD there.
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|software|basic render/i;

/**
 * Activates the fastest TensorFlow.js backend this browser offers: WebGL on a real GPU, else
 * WebAssembly through `useBackend('wasm')` of @kd/backend (its training kernels; threaded when the
 * page is cross-origin isolated; binaries fetched from `wasmFolder`), else plain JavaScript.
 */
export async function chooseBackend(preference: PagePreference, wasmFolder: string): Promise<ChosenBackend> {
  const order = preference === 'auto' ? (['webgl', 'wasm', 'cpu'] as const) : [preference];
  const skipped: ChosenBackend['skipped'] = [];
  for (const name of order) {
    try {
      const detail = await activate(name, wasmFolder, preference === 'auto');
      return { name, detail, skipped };
    } catch (error) {
      skipped.push({ name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  throw new Error(`no TensorFlow.js backend works here: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

async function activate(name: 'webgl' | 'wasm' | 'cpu', wasmFolder: string, auto: boolean): Promise<string> {
  switch (name) {
    case 'webgl': {
      const renderer = webglRenderer();
      if (renderer === null) throw new Error('WebGL is not available');
      if (auto && SOFTWARE_RENDERER.test(renderer)) throw new Error(`no GPU (WebGL renders in software: ${renderer})`);
      await setBackend(name);
      return renderer;
    }
    case 'wasm': {
      setWasmPaths(wasmFolder);
      const info = await useBackend('wasm');
      return `${info.threads} thread${info.threads === 1 ? '' : 's'}${info.simd ? ', SIMD' : ''}, @kd/backend training kernels`;
    }
    case 'cpu':
      await setBackend(name);
      return 'plain JavaScript, 1 thread';
  }
}

async function setBackend(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs could not initialise '${name}'`);
  await tf.ready();
}

/** The GPU's name as WebGL reports it, or null without WebGL. */
function webglRenderer(): string | null {
  const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
  if (!gl) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return renderer;
}
