import { isIP } from 'node:net';
import { connect } from 'node:tls';
import type { TemporalConnectionConfig } from '../config';

// A server that refuses the client's certificate says so just after the handshake (TLS 1.3).
const LATE_ALERT_WAIT_MS = 300;

/**
 * Why a TLS connection to Temporal fails, in the words of Node's TLS stack ("unable to get local issuer
 * certificate", "certificate required", ...), by trying the handshake alone with the same settings. The gRPC
 * client only says it could not connect before its deadline. `undefined` when TLS is off or the handshake
 * works, i.e. when TLS is not the problem.
 */
export function explainTlsFailure(
  temporal: TemporalConnectionConfig,
  timeoutMs = 3000,
): Promise<string | undefined> {
  if (temporal.tls === false) return Promise.resolve(undefined);
  const settings = temporal.tls === true ? {} : temporal.tls;
  const separator = temporal.address.lastIndexOf(':');
  const host = temporal.address.slice(0, separator).replace(/^\[|\]$/g, '');
  const port = Number(temporal.address.slice(separator + 1));
  const serverName = settings.serverNameOverride ?? (isIP(host) ? undefined : host);
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      ...(serverName ? { servername: serverName } : {}),
      ...(settings.serverRootCACertificate ? { ca: Buffer.from(settings.serverRootCACertificate) } : {}),
      ...(settings.clientCertPair
        ? { cert: Buffer.from(settings.clientCertPair.crt), key: Buffer.from(settings.clientCertPair.key) }
        : {}),
      ALPNProtocols: ['h2'],
      timeout: timeoutMs,
    });
    const finish = (reason: string | undefined) => {
      socket.destroy();
      resolve(reason);
    };
    socket.once('secureConnect', () => setTimeout(() => finish(undefined), LATE_ALERT_WAIT_MS));
    socket.once('error', (err: Error) => finish(`TLS handshake failed: ${err.message}`));
    socket.once('timeout', () => finish(undefined));
  });
}
