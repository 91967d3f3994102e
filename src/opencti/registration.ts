/**
 * Connector registration (protocol §1.2–1.3): the input we send and the broker settings we derive
 * from the answer, with pycti's `MQ_*` overrides (the platform often returns a docker-internal host).
 */
import type { Config } from '../config';
import { supportsRegisterField } from './versions';
import type { BrokerConnection, OpenCtiApi, RegisterConnectorInput, Registration } from './api';

export function registerInput(config: Config, platformVersion?: string): RegisterConnectorInput {
  const input: RegisterConnectorInput = {
    id: config.connectorId,
    name: config.connectorName,
    type: 'INTERNAL_ENRICHMENT',
    scope: config.connectorScope,
    auto: config.connectorAuto,
    auto_update: false,
    enrichment_resolution: 'none',
    only_contextual: false,
    playbook_compatible: true,
    // API listen mode: the platform's worker POSTs requests here (OpenCTI >= 6.5.7).
    listen_callback_uri: config.listenProtocol === 'API' ? `${config.listenApiUri.replace(/\/+$/, '')}${config.listenApiPath}` : null,
  };
  if (!platformVersion) return input;
  // An older platform rejects fields it does not define: leave those out.
  return Object.fromEntries(Object.entries(input).filter(([field]) => supportsRegisterField(platformVersion, field))) as unknown as RegisterConnectorInput;
}

/** Broker settings after the operator's MQ_* overrides. */
export function brokerSettings(registration: Registration, config: Config): BrokerConnection {
  const c = registration.config.connection;
  return {
    host: config.mqHost ?? c.host,
    port: config.mqPort ?? c.port,
    vhost: config.mqVhost ?? c.vhost,
    use_ssl: config.mqUseSsl ?? c.use_ssl,
    user: config.mqUser ?? c.user,
    pass: config.mqPass ?? c.pass,
  };
}

/** amqplib connection options (an object rather than a URL, so the password never sits in a string we might log). */
export function amqpConnectOptions(b: BrokerConnection) {
  return {
    protocol: b.use_ssl ? 'amqps' : 'amqp',
    hostname: b.host,
    port: b.port,
    username: b.user,
    password: b.pass,
    vhost: b.vhost,
    heartbeat: 10,
  };
}

/** Registers with the fields the platform's version defines (asked with `about`, as pycti does at start). */
export async function register(api: OpenCtiApi, config: Config): Promise<Registration> {
  const version = await api.about();
  if (config.listenProtocol === 'API' && !supportsRegisterField(version, 'listen_callback_uri')) {
    throw new Error(`OpenCTI ${version} has no API listen mode (needs 6.5.7 or later): set CONNECTOR_LISTEN_PROTOCOL=AMQP`);
  }
  return api.registerConnector(registerInput(config, version));
}
