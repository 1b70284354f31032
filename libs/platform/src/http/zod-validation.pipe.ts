import { BadRequestException, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

export interface ValidationProblem {
  path: string;
  message: string;
}

// C0 controls (NUL included, which PostgreSQL refuses in text), DEL and C1 controls, and UTF-16
// surrogates that are not part of a pair (JSON can spell them, UTF-8 cannot carry them).
const UNACCEPTABLE_TEXT =
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const MAX_PROBLEMS = 10;
const MAX_DEPTH = 32;

/**
 * Parses a request part against a schema. The 400 (an RFC 7807 problem) names each offending
 * field and what is wrong with it, never the value that was sent (it may be a password).
 *
 * Before any schema runs, every string of the request part (object keys too) is checked for
 * control characters and unpaired surrogates: no field of any API takes them, and they would
 * otherwise reach the database or a log line. One check here covers every schema, present and
 * future, rather than each field remembering its own.
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    /** Public so that the OpenAPI document can describe the request part from the same schema. */
    readonly schema: S,
    /** Names the request part in a problem about the whole value, e.g. `body` or a path parameter. */
    private readonly part = 'body',
  ) {}

  transform(value: unknown): z.output<S> {
    const textProblems = unacceptableText(value, [], 0, []);
    if (textProblems.length > 0) throw this.invalid(textProblems);
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw this.invalid(
      parsed.error.issues.slice(0, MAX_PROBLEMS).map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    );
  }

  private invalid(found: { path: string; message: string }[]): BadRequestException {
    const problems: ValidationProblem[] = found.map((problem) => ({
      path: problem.path || this.part,
      message: problem.message,
    }));
    const message = problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
    return new BadRequestException({
      type: 'about:blank',
      status: 400,
      title: 'Bad Request',
      detail: message,
      error: 'invalid_request',
      message,
      problems,
    });
  }
}

function unacceptableText(
  value: unknown,
  path: string[],
  depth: number,
  found: ValidationProblem[],
): ValidationProblem[] {
  if (found.length >= MAX_PROBLEMS) return found;
  if (typeof value === 'string') {
    if (UNACCEPTABLE_TEXT.test(value)) {
      found.push({
        path: path.join('.'),
        message: 'must not contain control characters or unpaired surrogates',
      });
    }
    return found;
  }
  // The schema refuses anything this deep anyway; the walk must not be a cost of its own.
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return found;
  for (const [key, item] of Object.entries(value)) {
    if (UNACCEPTABLE_TEXT.test(key)) {
      found.push({ path: path.join('.'), message: 'a field name must not contain control characters' });
    }
    unacceptableText(item, [...path, key], depth + 1, found);
    if (found.length >= MAX_PROBLEMS) break;
  }
  return found;
}
