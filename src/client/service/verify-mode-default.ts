import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { apiErrors } from './api-error';
import {
  InvalidVerifyModeSettingError,
  readVerifyModeSetting,
} from '../../elasticsearch/verify-mode-setting';
import { DEFAULT_VERIFY_MODE, type VerifyMode } from '../../shared/verify-mode';

/**
 * The verification an upgrade starts with: the one asked for, else the cluster's default
 * (`cluster.metadata.ds_reindex.verify`), else `count`. A cluster value that is no mode refuses the
 * start (400), rather than quietly verifying less than the operator set.
 */
export async function verifyModeForStart(
  es: ElasticsearchClient,
  asked: VerifyMode | undefined,
): Promise<VerifyMode> {
  if (asked !== undefined) return asked;
  try {
    return (await readVerifyModeSetting(es)) ?? DEFAULT_VERIFY_MODE;
  } catch (err) {
    if (err instanceof InvalidVerifyModeSettingError) throw apiErrors.invalidVerifyMode(err.message);
    throw err;
  }
}
