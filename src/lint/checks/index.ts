import type { CheckModule } from '../check-api.js';
import { artifactNameStatic } from './artifact-name-static.js';
import { cleanupMissing } from './cleanup-missing.js';
import { fileUploadPrivilegedPath } from './file-upload-privileged-path.js';
import { packageUnpinned } from './package-unpinned.js';
import { pluginVersionUnbounded } from './plugin-version-unbounded.js';
import { postProcessorMissing } from './post-processor-missing.js';
import { postProcessorUnscoped } from './post-processor-unscoped.js';
import { remoteScriptPiped } from './remote-script-piped.js';
import { secretInTemplate } from './secret-in-template.js';
import { shellCommand } from './shell-command.js';
import { sourceAttribute } from './source-attribute.js';
import { sourceAttributeMissing } from './source-attribute-missing.js';
import { tagsMissing } from './tags-missing.js';
import { templateFormat } from './template-format.js';
import { unknownArgument } from './unknown-argument.js';
import { variable } from './variable.js';

/**
 * Check primitives by the `type` a policy names. schemas/policy.schema.json validates each
 * type's parameters before `prepare` sees them (method parameters are bivariant, which is
 * what lets each module declare its own parameter shape here).
 */
export const CHECKS: Record<string, CheckModule<{ message: string }>> = {
  'source-attribute': sourceAttribute,
  'source-attribute-missing': sourceAttributeMissing,
  'shell-command': shellCommand,
  'post-processor-missing': postProcessorMissing,
  'post-processor-unscoped': postProcessorUnscoped,
  'template-format': templateFormat,
  variable,
  'artifact-name-static': artifactNameStatic,
  'package-unpinned': packageUnpinned,
  'remote-script-piped': remoteScriptPiped,
  'secret-in-template': secretInTemplate,
  'cleanup-missing': cleanupMissing,
  'tags-missing': tagsMissing,
  'plugin-version-unbounded': pluginVersionUnbounded,
  'file-upload-privileged-path': fileUploadPrivilegedPath,
  'unknown-argument': unknownArgument,
};
