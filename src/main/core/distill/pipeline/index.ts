// "Customize on my schema": teacher → filtered, provenance-tagged dataset → LoRA adapter → base vs customized.
export { runCustomization, resumeCustomization, customizationStatus } from './run'
export { teacherForResume } from './resumeTeacher'
export { studentPrompter, completionFor, type StudentPrompter, type StudentProfile } from './studentPrompt'
export { trainingPairs, jobTrainer, jobTrainerWith, loadStudentProfile } from './trainStage'
export { decide } from './evaluateStage'
export { tablesOf, candidateCount } from './questions'
export { readManifest, MANIFEST_FILE } from './runDir'
export * from './types'
