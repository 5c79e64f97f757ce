import { EsError } from '../http/errors';
import type { FlatSettings } from './settings';

/** What an operation touches; each index block forbids some of these, as ES's ClusterBlockLevel. */
export type BlockLevel = 'read' | 'write' | 'metadata_read' | 'metadata_write';

interface BlockDef {
  setting: string;
  id: number;
  description: string;
  status: number;
  statusName: string;
  levels: BlockLevel[];
}

/** ES's index blocks (IndexMetadata.INDEX_*_BLOCK), in the order ES lists them. */
const BLOCKS: BlockDef[] = [
  {
    setting: 'index.blocks.read_only',
    id: 5,
    description: 'index read-only (api)',
    status: 403,
    statusName: 'FORBIDDEN',
    levels: ['write', 'metadata_write'],
  },
  {
    setting: 'index.blocks.read',
    id: 7,
    description: 'index read (api)',
    status: 403,
    statusName: 'FORBIDDEN',
    levels: ['read'],
  },
  {
    setting: 'index.blocks.write',
    id: 8,
    description: 'index write (api)',
    status: 403,
    statusName: 'FORBIDDEN',
    levels: ['write'],
  },
  {
    setting: 'index.blocks.metadata',
    id: 9,
    description: 'index metadata (api)',
    status: 403,
    statusName: 'FORBIDDEN',
    levels: ['metadata_read', 'metadata_write'],
  },
  {
    setting: 'index.blocks.read_only_allow_delete',
    id: 12,
    description: 'disk usage exceeded flood-stage watermark, index has read-only-allow-delete block',
    status: 429,
    statusName: 'TOO_MANY_REQUESTS',
    levels: ['write', 'metadata_write'],
  },
];

/** The API names `PUT /<index>/_block/<block>` accepts. */
export const API_BLOCKS: Record<string, string> = {
  write: 'index.blocks.write',
  read_only: 'index.blocks.read_only',
  read: 'index.blocks.read',
  metadata: 'index.blocks.metadata',
};

/** The `cluster_block_exception` ES raises, or undefined when no block applies. */
export function blockError(
  indexName: string,
  settings: FlatSettings,
  level: BlockLevel,
): EsError | undefined {
  const hit = BLOCKS.filter((b) => settings[b.setting] === 'true' && b.levels.includes(level));
  if (hit.length === 0) return undefined;
  const list = hit.map((b) => `${b.statusName}/${b.id}/${b.description}`).join(', ');
  // ES answers 429 only when every block in the way is retryable (the disk watermark one).
  const status = hit.every((b) => b.status === 429) ? 429 : 403;
  return new EsError(status, 'cluster_block_exception', `index [${indexName}] blocked by: [${list}];`);
}

export function checkBlock(indexName: string, settings: FlatSettings, level: BlockLevel): void {
  const err = blockError(indexName, settings, level);
  if (err) throw err;
}
