import { useRef, useState } from 'react';
import { api } from '../../api';
import type { components } from '../../generated/api-types';
import { Button, Card, EmptyState, ErrorState, Table } from '../../components/ui';
import { useToast } from '../../components/toasts';
import { number, relativeTime } from '../../lib/format';
import { useApi } from '../../lib/use-api';

type FileEntry = components['schemas']['FileEntryDto'];

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${number(bytes / 1024, 1)} KB`;
  return `${number(bytes / (1024 * 1024), 1)} MB`;
}

/**
 * The work dir's files (the whole tree, as the API lists it): download each, upload one. The
 * API keeps files downloadable while the sandbox is stopped; it has none before it runs.
 */
export function SandboxFilesCard(props: { id: string; available: boolean }) {
  const toast = useToast();
  const base = `/v1/sandboxes/${props.id}/files`;
  const files = useApi<{ data: FileEntry[] }>(props.available ? `${base}/list` : null);
  const input = useRef<HTMLInputElement>(null);
  const [uploading, setUploading] = useState(false);

  const upload = async (file: File) => {
    setUploading(true);
    try {
      await api.putBytes(base, file, { path: file.name });
      toast.success('Uploaded', file.name);
      await files.reload();
    } catch (err) {
      toast.error(err);
    } finally {
      setUploading(false);
      if (input.current) input.current.value = '';
    }
  };

  return (
    <Card
      title="Files"
      actions={
        props.available && (
          <>
            <Button small onClick={() => void files.reload()}>
              Refresh
            </Button>
            <Button small busy={uploading} onClick={() => input.current?.click()}>
              Upload
            </Button>
            <input
              ref={input}
              type="file"
              hidden
              aria-label="File to upload"
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) void upload(f);
              }}
            />
          </>
        )
      }
    >
      {!props.available ? (
        <EmptyState title="No files">The work dir exists while the sandbox runs.</EmptyState>
      ) : files.error ? (
        <ErrorState error={files.error} onRetry={() => void files.reload()} />
      ) : (
        <Table
          label="files"
          rows={files.data?.data}
          rowKey={(f) => f.path}
          empty={
            <EmptyState title="The work dir is empty">Upload a file, or write one.</EmptyState>
          }
          columns={[
            {
              header: 'Path',
              cell: (f) =>
                f.type === 'dir' ? (
                  <span className="muted">{f.path}/</span>
                ) : (
                  <a
                    href={`${base}?path=${encodeURIComponent(f.path)}`}
                    download={f.path.split('/').pop()}
                  >
                    {f.path}
                  </a>
                ),
            },
            { header: 'Size', cell: (f) => (f.type === 'dir' ? '—' : size(f.size)) },
            { header: 'Modified', cell: (f) => relativeTime(f.modified_at) },
          ]}
        />
      )}
    </Card>
  );
}
