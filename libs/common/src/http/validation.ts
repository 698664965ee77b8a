import { ValidationPipe, ValidationError as ClassValidationError } from '@nestjs/common';
import { CommonErrorCodes, ValidationError } from '../errors/nanopod.error';

interface FieldProblem {
  field: string;
  problems: string[];
}

function collect(errors: ClassValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...collect(e.children ?? [], field)];
  });
}

/** Whitelist, reject unknown fields, transform; failures become `request.invalid` with each field. */
export function nanopodValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    forbidUnknownValues: true,
    exceptionFactory: (errors) => {
      const fields = collect(errors);
      const message =
        fields.map((f) => f.problems.join(', ')).join('; ') || 'The request is invalid';
      return new ValidationError(CommonErrorCodes.validation, message, { fields });
    },
  });
}
