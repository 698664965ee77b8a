import { isContainedPath } from '../sandboxes/sandbox-paths';
import { AgentOperationError } from './runtime-driver';

export interface ArchiveFile {
  source: Buffer;
  /** Relative to the work dir: the archive's entry under the target dir. */
  destination: string;
}

/**
 * The regular files of a tar.gz, unpacked in memory for a remote runtime to upload; refuses
 * an archive whose entries leave the target dir or that unpacks to more than `diskMb`.
 * Validated as the bwrap driver validates what it unpacks.
 */
export async function archiveFiles(
  tarGz: Buffer,
  path: string,
  diskMb: number,
): Promise<{ files: ArchiveFile[]; total: number }> {
  const tar = await import('tar');
  const files: ArchiveFile[] = [];
  let total = 0;
  const problems: string[] = [];
  await new Promise<void>((resolvePromise, reject) => {
    const parser = new tar.Parser({
      onReadEntry: (entry) => {
        if (!isContainedPath(entry.path)) problems.push(entry.path);
        if (entry.type !== 'File' && entry.type !== 'OldFile') {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => {
          const source = Buffer.concat(chunks);
          total += source.length;
          files.push({
            source,
            destination: path === '.' ? entry.path : `${path}/${entry.path}`,
          });
        });
      },
    });
    parser.on('error', reject);
    parser.on('end', () => resolvePromise());
    parser.end(tarGz);
  });
  if (problems.length > 0) {
    throw new AgentOperationError(
      'agent.path_invalid',
      `archive entries leave the target dir: ${problems.slice(0, 5).join(', ')}`,
    );
  }
  if (total > diskMb * 1048576) {
    throw new AgentOperationError(
      'agent.file_too_large',
      `archive unpacks to more than ${diskMb} MB`,
    );
  }
  return { files, total };
}
