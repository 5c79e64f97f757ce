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

/** A map that reports each change, so a lookup derived from its values can be dropped and rebuilt. */
export class NotifyingMap<K, V> extends Map<K, V> {
  constructor(private readonly changed: () => void) {
    super();
  }

  override set(key: K, value: V): this {
    this.changed();
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    this.changed();
    return super.delete(key);
  }

  override clear(): void {
    this.changed();
    super.clear();
  }
}
