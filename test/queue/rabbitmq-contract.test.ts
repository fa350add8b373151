import { createRabbitMqBroker } from '../../queue/adapters/rabbitmq/index.js';
import type { MessageBroker } from '../../queue/ports/message-broker.js';
import { describeBrokerContract } from './broker-contract.js';
import { AMQP_URL, deleteTopology, testLogger, uniquePrefix } from './fixtures/rabbitmq-harness.js';

describeBrokerContract('RabbitMQ', async (options) => {
  const prefix = uniquePrefix();
  const opened: MessageBroker[] = [];
  const open = async () => {
    const broker = createRabbitMqBroker({ url: AMQP_URL, logger: testLogger, prefix, ...options });
    opened.push(broker);
    await broker.start();
    return broker;
  };
  return {
    broker: await open(),
    reopen: open,
    cleanup: async () => {
      for (const broker of opened) await broker.close();
      await deleteTopology(prefix);
    },
  };
});
