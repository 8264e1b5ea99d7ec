export { savedModelTeacher } from './saved-model-teacher';
export { buildTeacherCache, openTeacherCache } from './teacher-cache';
