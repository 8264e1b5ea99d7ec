export { argumentError, assertInteger, assertNonNegative, assertPositive, assertTensor } from './argument-checks';
export { describeValue } from './describe-value';
