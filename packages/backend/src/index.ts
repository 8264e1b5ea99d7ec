export { backendKinds, backendOptionsFromEnv, backendPreferenceFromEnv, useBackend } from './use-backend';
export type { BackendInfo, BackendKind, BackendPreference, UseBackendOptions } from './use-backend';
export { trainingKernelNames } from './training-kernels';
