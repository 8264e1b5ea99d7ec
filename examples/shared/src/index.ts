export { architectureName, cnnTeacher, mlp, paperStudent, paperTeacher } from './architectures';
export { currentBackend, describeBackend, setupBackend } from './backend';
export type { BackendSummary } from './backend';
export { loadExampleData } from './data';
export type { ExampleData, LoadExampleDataOptions } from './data';
export { commonOptions, commonUsage, FlagError, integerList, nameList, numberList, parseFlags, positiveInteger } from './flags';
export type { CommonFlags } from './flags';
export { distilRecipes, recipeAugmentation, recipeFlags, recipeOptions, recipeUsage, withRecipeTeacher } from './recipes';
export type { Recipe, RecipeSettings, RecipeStudent } from './recipes';
export { scheduleFlags, scheduleNames, scheduleOptions, scheduleRun, trainSchedules } from './schedules';
export type { Schedule } from './schedules';
export { createRunContext, machineInfo, markdownTable, provenance, recordedChoice, runHeader, runSeeds, writeResultFile } from './results';
export type { Machine, RunContext, SeedsRun } from './results';
export { formatMeanStd, formatPercent, formatShares, gapClosed, mean, std } from './stats';
export {
  cachedTraining,
  chooseOnValidation,
  convergenceText,
  curveLine,
  distilStudent,
  errorCount,
  keptTraining,
  modelErrors,
  modelErrorsReporter,
  paperTeacherChosen,
  paperTeacherText,
  predictProbs,
  scoreAndDispose,
  seedRunOptions,
  teacherFor,
  trainedEpochs,
  trainModelOnLabels,
  trainOnLabels,
  validationErrorsPerEpoch,
  withTeacherCache,
} from './training';
export type { CachedTrainingOptions, Candidate, PaperTeacherChoice, DistillSettings, LossSpec, ModelErrors, RunOptions, Trained } from './training';
export { runExampleMain } from './main';
export type { ExampleMain } from './main';
