import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The folders LFW's person directories come in: facekit's layout (`images/`), then the official archives' own
 * top-level folders (lfw.tgz → `lfw/`, lfw-deepfunneled.tgz → `lfw-deepfunneled/`, lfw-funneled.tgz →
 * `lfw_funneled/`).
 */
const IMAGE_FOLDERS = ['images', 'lfw-deepfunneled', 'lfw_funneled', 'lfw'];

/**
 * Where the `<Name>/<Name>_NNNN.jpg` folders of an LFW directory are: the first of {@link IMAGE_FOLDERS} inside it,
 * or the directory itself (an unpacked archive pointed at directly).
 *
 * @example
 * lfwImagesDir('../shared/data/lfw'); // '../shared/data/lfw/images'
 * lfwImagesDir('~/Downloads/lfw-deepfunneled'); // itself: it holds the person folders
 */
export function lfwImagesDir(data: string): string {
  const found = IMAGE_FOLDERS.map((f) => join(data, f)).find((p) => existsSync(p));
  return found ?? data;
}
