export { latestCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint';
export type { CheckpointState, LoadCheckpointOptions, SavedWeightSets, SaveCheckpointOptions } from './checkpoint';
export { checkpoints } from './checkpoints';
export type { CheckpointsOptions } from './checkpoints';
export { jsonlLog, jsonlLogger } from './jsonl-log';
export type { JsonlLog } from './jsonl-log';
