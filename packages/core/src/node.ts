export { fileSystem, modelFileNames } from './file-system';
export { writeFileAtomic } from './write-file-atomic';
export type { ChunkWriter } from './write-file-atomic';
