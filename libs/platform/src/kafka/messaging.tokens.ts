/** The service's one Kafka client; every consumer and view of the service shares it. */
export const KAFKA = Symbol('KAFKA');
