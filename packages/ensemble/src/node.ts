export { savedModelTeacher } from './saved-model-teacher';
export { buildTeacherCache, openTeacherCache } from './teacher-cache';
export { cacheEveryInput } from './cache-every-input';
export type { CacheEveryInputOptions } from './cache-every-input';
