import type { AliasMeta } from './aliases';

/**
 * Lookups a cluster of 100,000 indices needs in constant time (issue 25): which alias names exist, and
 * which data stream an index backs. Each is kept by the maps whose changes it follows, so the handlers
 * that change indices, aliases and data streams need not remember to update it.
 */

/** How many of the cluster's indices hold each alias name. */
export class AliasRegistry {
  private readonly holders = new Map<string, number>();

  has(name: string): boolean {
    return this.holders.has(name);
  }

  add(name: string): void {
    this.holders.set(name, (this.holders.get(name) ?? 0) + 1);
  }

  remove(name: string): void {
    const left = (this.holders.get(name) ?? 0) - 1;
    if (left > 0) this.holders.set(name, left);
    else this.holders.delete(name);
  }
}

/** An index's aliases; while the index is in the cluster, each change is counted in its registry. */
export class AliasMap extends Map<string, AliasMeta> {
  private registry: AliasRegistry | undefined;

  attach(registry: AliasRegistry): void {
    this.detach();
    this.registry = registry;
    for (const name of this.keys()) registry.add(name);
  }

  detach(): void {
    const registry = this.registry;
    if (registry === undefined) return;
    for (const name of this.keys()) registry.remove(name);
    this.registry = undefined;
  }

  override set(name: string, meta: AliasMeta): this {
    if (!this.has(name)) this.registry?.add(name);
    return super.set(name, meta);
  }

  override delete(name: string): boolean {
    if (this.has(name)) this.registry?.remove(name);
    return super.delete(name);
  }

  override clear(): void {
    for (const name of this.keys()) this.registry?.remove(name);
    super.clear();
  }
}

/** The cluster's indices by name: an index's aliases count in the registry while it is here. */
export class IndexMap<Index extends { aliases: AliasMap }> extends Map<string, Index> {
  constructor(private readonly registry: AliasRegistry) {
    super();
  }

  override set(name: string, index: Index): this {
    const before = this.get(name);
    if (before !== index) {
      before?.aliases.detach();
      index.aliases.attach(this.registry);
    }
    return super.set(name, index);
  }

  override delete(name: string): boolean {
    this.get(name)?.aliases.detach();
    return super.delete(name);
  }

  override clear(): void {
    for (const index of this.values()) index.aliases.detach();
    super.clear();
  }
}

/**
 * Data streams by name, and which one each backing index belongs to, kept as data streams are stored and
 * removed: a swap or a delete updates one data stream's entries, never the whole cluster's.
 */
export class DataStreamMap<DataStream extends { indices: string[] }> extends Map<string, DataStream> {
  private readonly owners = new Map<string, DataStream>();

  ownerOf(index: string): DataStream | undefined {
    return this.owners.get(index);
  }

  /** To call after a stored data stream's `indices` gained `index` in place. */
  indexAdded(dataStream: DataStream, index: string): void {
    if (!this.owners.has(index)) this.owners.set(index, dataStream);
  }

  /** To call after `index` left a stored data stream's `indices` in place. */
  indexRemoved(dataStream: DataStream, index: string): void {
    if (this.owners.get(index) === dataStream) this.owners.delete(index);
  }

  override set(name: string, dataStream: DataStream): this {
    const before = this.get(name);
    if (before !== undefined) this.forget(before);
    super.set(name, dataStream);
    for (const index of dataStream.indices) this.indexAdded(dataStream, index);
    return this;
  }

  override delete(name: string): boolean {
    const before = this.get(name);
    if (before !== undefined) this.forget(before);
    return super.delete(name);
  }

  override clear(): void {
    this.owners.clear();
    super.clear();
  }

  private forget(dataStream: DataStream): void {
    for (const index of dataStream.indices) this.indexRemoved(dataStream, index);
  }
}
