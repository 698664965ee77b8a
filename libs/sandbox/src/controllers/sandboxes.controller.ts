import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiErrors, ErrorBodyDto } from '@nanopod/common';
import { NodesService } from '@nanopod/federation';
import { Authenticated, CurrentPrincipal, Principal } from '@nanopod/identity';
import type { Request, Response } from 'express';
import type { SandboxEntity } from '../entities/sandbox.entity';
import {
  CreateSandboxDto,
  ExecDto,
  ExecExitLineDto,
  ExecOutputLineDto,
  ExecQuery,
  ExecResultDto,
  FileListDto,
  FilePathQuery,
  FilePutResultDto,
  ListSandboxesQuery,
  OptionalPathQuery,
  SandboxDto,
  SandboxIdParams,
  SandboxListDto,
} from '../dto/sandbox.dto';
import { NdjsonSink } from '../http/ndjson-sink';
import { readRawBody } from '../http/raw-body';
import { SandboxExecService } from '../services/sandbox-exec.service';
import { MAX_UPLOAD_BYTES, SandboxFilesService } from '../services/sandbox-files.service';
import { SandboxesService } from '../services/sandboxes.service';

@ApiTags('sandboxes')
@ApiExtraModels(ExecResultDto, ExecOutputLineDto, ExecExitLineDto, ErrorBodyDto)
@Controller('v1/sandboxes')
export class SandboxesController {
  constructor(
    private readonly sandboxes: SandboxesService,
    private readonly execs: SandboxExecService,
    private readonly files: SandboxFilesService,
    private readonly nodes: NodesService,
  ) {}

  /** Response DTOs with the node's name beside its id (one lookup for a whole list). */
  private async views(rows: SandboxEntity[]): Promise<SandboxDto[]> {
    const names = await this.nodes.namesOf(rows.flatMap((s) => (s.nodeId ? [s.nodeId] : [])));
    return rows.map((s) => SandboxDto.from(s, s.nodeId ? (names.get(s.nodeId) ?? null) : null));
  }

  private async view(row: SandboxEntity): Promise<SandboxDto> {
    return (await this.views([row]))[0];
  }

  @Post()
  @Authenticated('write')
  @ApiOperation({
    summary: 'Create a sandbox',
    description:
      'Placement, then the subsidy decision (deny: 403 sandbox.policy_denied with reasons), then start on the node. ' +
      'No node fits: 409 sandbox.no_capacity with what was asked and what exists. ' +
      'A name you already use: 409 sandbox.name_taken.',
  })
  @ApiCreatedResponse({ type: SandboxDto })
  @ApiErrors(400, 409)
  async create(
    @CurrentPrincipal() p: Principal,
    @Body() body: CreateSandboxDto,
  ): Promise<SandboxDto> {
    const r = body.resources ?? {};
    const sb = await this.sandboxes.create(p, {
      name: body.name,
      runtime: body.runtime,
      cpu: r.cpu,
      memoryMb: r.memory_mb,
      gpus: r.gpus,
      gpuType: r.gpu_type,
      ttlSeconds: body.ttl_seconds,
      idleTimeoutSeconds: body.idle_timeout_seconds,
      network: body.network,
      env: Object.fromEntries(Object.entries(body.env ?? {}).map(([k, v]) => [k, String(v)])),
      workloadClass: body.workload_class,
    });
    return this.view(sb);
  }

  @Get()
  @Authenticated('read')
  @ApiOperation({ summary: 'List your sandboxes (admins: ?all=true for everyone)' })
  @ApiOkResponse({ type: SandboxListDto })
  async list(
    @CurrentPrincipal() p: Principal,
    @Query() q: ListSandboxesQuery,
  ): Promise<SandboxListDto> {
    const rows = await this.sandboxes.list(p, {
      all: q.all === 'true',
      state: q.state,
      name: q.name,
    });
    return { data: await this.views(rows) };
  }

  @Get(':id')
  @Authenticated('read')
  @ApiOperation({ summary: 'Get a sandbox (by id or by name, as every route here)' })
  @ApiOkResponse({ type: SandboxDto })
  @ApiErrors(404)
  async get(
    @CurrentPrincipal() p: Principal,
    @Param() params: SandboxIdParams,
  ): Promise<SandboxDto> {
    return this.view(await this.sandboxes.get(p, params.id));
  }

  @Post(':id/stop')
  @HttpCode(200)
  @Authenticated('write')
  @ApiOperation({ summary: 'Stop a sandbox (its files stay downloadable until the TTL)' })
  @ApiOkResponse({ type: SandboxDto })
  @ApiErrors(404)
  async stop(
    @CurrentPrincipal() p: Principal,
    @Param() params: SandboxIdParams,
  ): Promise<SandboxDto> {
    return this.view(await this.sandboxes.stop(p, params.id));
  }

  @Delete(':id')
  @HttpCode(200)
  @Authenticated('write')
  @ApiOperation({ summary: 'Delete a sandbox and its files' })
  @ApiOkResponse({ type: SandboxDto })
  @ApiErrors(404)
  async remove(
    @CurrentPrincipal() p: Principal,
    @Param() params: SandboxIdParams,
  ): Promise<SandboxDto> {
    return this.view(await this.sandboxes.remove(p, params.id));
  }

  @Post(':id/exec')
  @Authenticated('write')
  @ApiOperation({
    summary: 'Run a command',
    description:
      'Streams NDJSON lines as output arrives: {"stream":"stdout","data":"..."} ..., then ' +
      '{"exit_code":0,"signal":null,"duration_ms":12}. With ?wait=true or Accept: application/json, one JSON answer.',
  })
  // Content types on the 200 itself (not @ApiProduces), so the errors stay application/json.
  @ApiOkResponse({
    description: 'NDJSON lines as output arrives, or one JSON answer (?wait=true)',
    content: {
      'application/x-ndjson': {
        schema: {
          description:
            'One line: output lines, then the exit line (or an error line if the run failed)',
          oneOf: [
            { $ref: getSchemaPath(ExecOutputLineDto) },
            { $ref: getSchemaPath(ExecExitLineDto) },
            { $ref: getSchemaPath(ErrorBodyDto) },
          ],
        },
      },
      'application/json': { schema: { $ref: getSchemaPath(ExecResultDto) } },
    },
  })
  @ApiErrors(400, 404, 409, 503)
  async exec(
    @CurrentPrincipal() p: Principal,
    @Param() params: SandboxIdParams,
    @Body() body: ExecDto,
    @Query() q: ExecQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const input = {
      argv: body.argv,
      command: body.command,
      env: body.env,
      cwd: body.cwd,
      timeoutSeconds: body.timeout_seconds,
    };
    const accept = req.headers.accept ?? '';
    if (q.wait === 'true' || (accept.includes('application/json') && !accept.includes('ndjson'))) {
      res.status(200).json(await this.execs.collect(p, params.id, input));
      return;
    }
    const run = await this.execs.prepare(p, params.id, input);
    const sink = new NdjsonSink(res);
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    try {
      sink.exit(await run(sink, abort.signal));
    } catch (err) {
      sink.fail(err as Error & { code?: string });
    }
  }

  @Put(':id/files')
  @Authenticated('write')
  @ApiOperation({ summary: `Upload a file (raw body, at most ${MAX_UPLOAD_BYTES} bytes)` })
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: FilePutResultDto })
  @ApiErrors(400, 404, 409, 413)
  async putFile(
    @CurrentPrincipal() p: Principal,
    @Param() params: SandboxIdParams,
    @Query() q: FilePathQuery,
    @Req() req: Request,
  ): Promise<FilePutResultDto> {
    const data = await readRawBody(req, MAX_UPLOAD_BYTES);
    return { path: q.path, ...(await this.files.put(p, params.id, q.path, data)) };
  }

  @Post(':id/archive')
  @HttpCode(200)
  @Authenticated('write')
  @ApiOperation({ summary: 'Upload a tar.gz archive, extracted at path (default the work dir)' })
  @ApiConsumes('application/gzip')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: FilePutResultDto })
  @ApiErrors(400, 404, 409, 413, 422)
  async putArchive(
    @CurrentPrincipal() p: Principal,
    @Param() params: SandboxIdParams,
    @Query() q: OptionalPathQuery,
    @Req() req: Request,
  ): Promise<FilePutResultDto> {
    const data = await readRawBody(req, MAX_UPLOAD_BYTES);
    const path = q.path ?? '.';
    return { path, ...(await this.files.put(p, params.id, path, data, true)) };
  }

  @Get(':id/files/list')
  @Authenticated('read')
  @ApiOperation({ summary: 'List files under a path of the work dir' })
  @ApiOkResponse({ type: FileListDto })
  @ApiErrors(404, 409)
  async listFiles(
    @CurrentPrincipal() p: Principal,
    @Param() params: SandboxIdParams,
    @Query() q: OptionalPathQuery,
  ): Promise<FileListDto> {
    return { data: await this.files.list(p, params.id, q.path ?? '.') };
  }

  @Get(':id/files')
  @Authenticated('read')
  @ApiOperation({ summary: 'Download a file (also while stopped, until the TTL)' })
  // The content type on the 200 itself (not @ApiProduces), so the errors stay application/json.
  @ApiOkResponse({
    description: 'The file bytes',
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiErrors(400, 404, 409)
  async getFile(
    @CurrentPrincipal() p: Principal,
    @Param() params: SandboxIdParams,
    @Query() q: FilePathQuery,
    @Res() res: Response,
  ): Promise<void> {
    const data = await this.files.get(p, params.id, q.path);
    const name = q.path.split('/').pop() || 'file';
    res
      .status(200)
      .setHeader('content-type', 'application/octet-stream')
      .setHeader('content-disposition', `attachment; filename="${name.replace(/["\\\r\n]/g, '_')}"`)
      .end(data);
  }
}
