export { fileSystem, modelFileNames } from './file-system';
export { assertFolderFree, folderLockFile, lockFolder } from './folder-lock';
export type { FolderLock, LockFolderOptions, LockOwner } from './folder-lock';
export { isProcessRunning } from './process-running';
export { readJsonFile } from './read-json-file';
export { isAbandonedTemporaryFile, removeAbandonedTemporaryFiles, writeFileAtomic } from './write-file-atomic';
export type { ChunkWriter } from './write-file-atomic';
