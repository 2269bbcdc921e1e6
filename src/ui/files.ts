// Local files for the model and data panels: a file picker plus drag-and-drop onto a zone. Files stay
// File objects (handles): they are passed to the worker as they are and never read on the main thread.
// A dropped folder is walked (names only) so an HF model folder can be dropped whole.
import { el, nextId } from './dom.ts';

export interface DropZone {
  element: HTMLElement;
  files(): File[];
  clear(): void;
  setDisabled(disabled: boolean): void;
}

/** Files inside dropped folders, found through the (non-standard but universal) webkitGetAsEntry. */
async function filesFromDrop(dt: DataTransfer): Promise<File[]> {
  const entries = [...dt.items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return [...dt.files];
  const out: File[] = [];
  const walk = async (e: FileSystemEntry): Promise<void> => {
    if (e.isFile) {
      out.push(await new Promise<File>((res, rej) => (e as FileSystemFileEntry).file(res, rej)));
    } else if (e.isDirectory) {
      const reader = (e as FileSystemDirectoryEntry).createReader();
      // readEntries returns the folder in batches until it returns an empty one.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child);
      }
    }
  };
  for (const e of entries) await walk(e);
  return out;
}

/**
 * A labelled file picker that is also a drop target. `onFiles` runs after each pick or drop.
 * `folder` adds a second picker for a whole folder (HF model directories).
 */
export function createDropZone(opts: { label: string; accept: string; multiple: boolean; folder?: boolean; testid: string; onFiles: (files: File[]) => void }): DropZone {
  let current: File[] = [];
  const inputId = nextId('file');
  const input = el('input', { type: 'file', id: inputId, accept: opts.accept, 'data-testid': `${opts.testid}-input` });
  input.multiple = opts.multiple;
  const list = el('p', { class: 'file-list muted', 'aria-live': 'polite' }, 'No file chosen.');
  const pickers = el('div', { class: 'pickers' }, el('label', { for: inputId }, opts.label), input);
  let disabled = false;
  if (opts.folder) {
    const folderId = nextId('folder');
    const folder = el('input', { type: 'file', id: folderId });
    folder.setAttribute('webkitdirectory', '');
    folder.addEventListener('change', () => set([...(folder.files ?? [])]));
    pickers.append(el('label', { for: folderId }, 'or a folder'), folder);
  }
  const zone = el('div', { class: 'drop-zone', 'data-testid': opts.testid }, pickers, el('p', { class: 'help' }, `…or drop ${opts.multiple ? 'files or a folder' : 'a file'} here.`), list);

  const set = (files: File[]) => {
    current = opts.multiple ? files : files.slice(0, 1);
    list.textContent = current.length === 0 ? 'No file chosen.' : current.map((f) => f.webkitRelativePath || f.name).join(', ');
    opts.onFiles(current);
  };
  input.addEventListener('change', () => set([...(input.files ?? [])]));
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    if (e.dataTransfer && !disabled) void filesFromDrop(e.dataTransfer).then(set);
  });

  return {
    element: zone,
    files: () => current,
    clear() {
      input.value = '';
      set([]);
    },
    setDisabled(d) {
      disabled = d;
      for (const i of zone.querySelectorAll('input')) i.disabled = d;
    },
  };
}
