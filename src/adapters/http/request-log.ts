/**
 * Per-request log lines at a level that fits what happened. Fastify logs every request twice at
 * `info` ("incoming request", "request completed"); a dashboard refreshing every few seconds then
 * fills `npm start`'s terminal and the banner with the keys and addresses scrolls away. Here a
 * request that went well is logged at `debug` (seen with `log.level` debug or trace), a refused
 * one (4xx) at `info`, a failed one (5xx, or an error while answering) at `error`.
 */
import { type FastifyReply, type FastifyRequest, LogController } from "fastify";

export class RequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, "incoming request");
  }

  override requestCompleted(
    error: Error | null | undefined,
    _request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const fields = { res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...fields, err: error }, "request errored");
    else if (reply.statusCode >= 500) reply.log.error(fields, "request failed");
    else if (reply.statusCode >= 400) reply.log.info(fields, "request refused");
    else reply.log.debug(fields, "request completed");
  }
}
