// Which teacher continues a run: the one it was started with, made again from the configuration its manifest
// records — the same rule for the app's customize.resume and the CLI's --resume. A teacher configured since (a
// different model or server) would mix two teachers' data in one dataset; resumeCustomization refuses that too.
import type { RunManifest } from '../../../../shared/customize'
import { SqlstillError } from '../../../../shared/errors'
import type { TeacherConfig } from '../../../../shared/teacher'
import { parseTeacherSpec } from '../../teacher/spec'
import type { Teacher } from '../../teacher/types'

/** `make` is the shell's way to build a teacher (the app adds its key store and response cache). */
export async function teacherForResume(manifest: RunManifest, make: (config: TeacherConfig) => Promise<Teacher>): Promise<Teacher | 'synth'> {
  if (manifest.teacherId === 'synth') return 'synth'
  const { teacher, teacherSpec } = manifest.settings
  const config = teacher ?? (teacherSpec ? parseTeacherSpec(teacherSpec) : null)
  if (!config) {
    throw new SqlstillError('BAD_REQUEST', `This run used the teacher ${manifest.teacherId} but does not record how it was configured, so it cannot be made again to resume.`, {
      teacherId: manifest.teacherId,
    })
  }
  return make(config)
}
