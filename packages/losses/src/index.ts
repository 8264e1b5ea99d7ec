export { logSoftmaxWithTemperature, softmaxWithTemperature } from './temperature-softmax';
