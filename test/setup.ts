// Loaded before every test file (vitest `setupFiles`).
import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers every gradient (`tf.grad` needs them) and the layers API.
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

tf.env().set('IS_TEST', true);
