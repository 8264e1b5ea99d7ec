export { attentionTransferLoss } from './attention-transfer-loss';
export type { AttentionTransferLossArgs } from './attention-transfer-loss';
export { decoupledKdLoss } from './decoupled-kd-loss';
export type { DecoupledKdLossArgs, DecoupledKdLossResult } from './decoupled-kd-loss';
export { distLoss } from './dist-loss';
export type { DistLossArgs, DistLossResult } from './dist-loss';
export { distillationLoss } from './distillation-loss';
export type { DistillationLossArgs, DistillationLossResult } from './distillation-loss';
export { hardLabelLoss } from './hard-label-loss';
export type { HardLabelLossArgs } from './hard-label-loss';
export { hintLoss } from './hint-loss';
export type { HintLossArgs, Projection } from './hint-loss';
export { logitMatchingLoss } from './logit-matching-loss';
export type { LogitMatchingLossArgs } from './logit-matching-loss';
export { createLoss, lossOptionSpecs, lossRegistry, maxTemperature } from './loss-registry';
export type {
  BatchLoss,
  LossConfig,
  LossFactory,
  LossFunction,
  LossInputs,
  LossKey,
  LossNeeds,
  LossOptions,
  LossOutput,
  LossSpec,
  NumericOptionSpec,
} from './loss-registry';
export { logSoftmaxWithTemperature, softmaxWithTemperature } from './temperature-softmax';
