// Loaded before every test file (vitest `setupFiles`).
import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers every gradient (`tf.grad` needs them) and the layers API.
// oxlint-disable-next-line import/no-unassigned-import -- registers the backend (or the gradients) with tfjs
import '@tensorflow/tfjs-layers';
// oxlint-disable-next-line import/no-unassigned-import -- registers the backend (or the gradients) with tfjs
import '@tensorflow/tfjs-backend-cpu';
// oxlint-disable-next-line import/no-unassigned-import -- registers the backend (or the gradients) with tfjs
import '@tensorflow/tfjs-backend-wasm';

// PROD silences tfjs's console warnings (the Node banner) without IS_TEST's per-kernel leak
// check, which misreports the output tf.logSoftmax saves for its gradient on wasm as a leak.
// describeBackends checks what matters to users: the live tensor count.
tf.enableProdMode();
