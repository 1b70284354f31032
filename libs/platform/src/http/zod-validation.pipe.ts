import { BadRequestException, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

export interface ValidationProblem {
  path: string;
  message: string;
}

/**
 * Parses a request part against a schema. The 400 names each offending field and what is wrong
 * with it, never the value that was sent (it may be a password).
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    /** Public so that the OpenAPI document can describe the request part from the same schema. */
    readonly schema: S,
    /** Names the request part in a problem about the whole value, e.g. `body` or a path parameter. */
    private readonly part = 'body',
  ) {}

  transform(value: unknown): z.output<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const problems: ValidationProblem[] = parsed.error.issues.slice(0, 10).map((issue) => ({
      path: issue.path.map(String).join('.') || this.part,
      message: issue.message,
    }));
    throw new BadRequestException({
      error: 'invalid_request',
      message: problems.map((problem) => `${problem.path}: ${problem.message}`).join('; '),
      problems,
    });
  }
}
