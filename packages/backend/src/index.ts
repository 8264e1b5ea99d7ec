export { backendKinds, backendOptionsFromEnv, backendPreferenceFromEnv, useBackend } from './use-backend';
export type { BackendInfo, BackendKind, BackendPreference, UseBackendOptions } from './use-backend';
export type { NativeInfo } from './native-addon';
export { fusedAdamKernelName } from './native-adam';
export { nativeKernelNames } from './native-kernels';
export { trainingKernelNames } from './training-kernels';
