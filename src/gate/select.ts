import { gitChangedFiles, type Selection, selectChanged } from '../config/changes.js';
import { imageInputs } from '../config/image-inputs.js';
import type { ImageEntry } from '../config/images.js';
import type { LoadedConfig } from '../config/load.js';
import { loadTemplate } from '../template/load.js';

/** `--changed-since REF`: which of `images` have inputs that changed, with the paths that did it. */
export async function changedSelection(
  loaded: LoadedConfig,
  images: ImageEntry[],
  ref: string,
): Promise<Selection[]> {
  const { root, files } = gitChangedFiles(ref, loaded.dir);
  const inputs = await Promise.all(
    images.map(async (img) => {
      // A template that does not parse still selects on its own directory; lint reports why.
      const template = await loadTemplate(img.template).catch(() => undefined);
      return imageInputs(img, template);
    }),
  );
  return selectChanged(inputs, files, root, loaded.file);
}

export async function changedImageNames(
  loaded: LoadedConfig,
  images: ImageEntry[],
  ref: string,
): Promise<string[]> {
  return (await changedSelection(loaded, images, ref)).filter((s) => s.selected).map((s) => s.name);
}
