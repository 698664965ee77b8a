import { Injectable } from '@nestjs/common';
import { Clock } from '@nanopod/common';
import { instanceType } from '@nanopod/market';
import { randomUUID } from 'node:crypto';
import { checkCloudInit } from '../core';
import {
  ComputeErrorCodes,
  ComputeInvalidError,
  ComputeNotFoundError,
  NameTakenError,
} from '../compute.errors';
import { CapacityEntity, ClusterKind } from '../entities/capacity.entity';
import { NodeTemplateEntity } from '../entities/node-template.entity';
import { CapacitiesRepository } from '../repositories/capacities.repository';

export interface CreateCapacityInput {
  name: string;
  zone: string;
  instanceType: string;
  clusterKind: ClusterKind;
  spot: boolean;
  minNodes: number;
  maxNodes: number;
}

export interface CreateTemplateInput {
  name: string;
  image: string;
  cloudInit: string | null;
  sshKeys: string[];
}

const SSH_KEY =
  /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/;

/** Capacities (pools of compute time) and node templates: what deployments are made of. */
@Injectable()
export class CatalogService {
  constructor(
    private readonly repo: CapacitiesRepository,
    private readonly clock: Clock,
  ) {}

  async createCapacity(ownerId: string, input: CreateCapacityInput): Promise<CapacityEntity> {
    if (!instanceType(input.instanceType)) {
      throw new ComputeInvalidError('instance_type', 'is not a known instance type');
    }
    if (input.minNodes > input.maxNodes)
      throw new ComputeInvalidError('min_nodes', 'must not exceed max_nodes');
    if (await this.repo.findOwned(ownerId, input.name))
      throw new NameTakenError('capacity', input.name);
    const c = Object.assign(new CapacityEntity(), {
      id: randomUUID(),
      ownerId,
      ...input,
      createdAt: this.clock.now(),
    });
    await this.repo.insert(c);
    return c;
  }

  async capacity(ownerId: string, idOrName: string): Promise<CapacityEntity> {
    const c = await this.repo.findOwned(ownerId, idOrName);
    if (!c)
      throw new ComputeNotFoundError(ComputeErrorCodes.capacityNotFound, 'Capacity', idOrName);
    return c;
  }

  capacities(ownerId: string): Promise<CapacityEntity[]> {
    return this.repo.list(ownerId);
  }

  async createTemplate(ownerId: string, input: CreateTemplateInput): Promise<NodeTemplateEntity> {
    let kind: NodeTemplateEntity['cloudInitKind'] = null;
    if (input.cloudInit !== null) {
      const checked = checkCloudInit(input.cloudInit);
      if ('problem' in checked) throw new ComputeInvalidError('cloud_init', checked.problem);
      kind = checked.kind;
    }
    input.sshKeys.forEach((k, i) => {
      if (!SSH_KEY.test(k.trim()))
        throw new ComputeInvalidError(`ssh_keys.${i}`, 'is not an OpenSSH public key');
    });
    if (await this.repo.findTemplate(ownerId, input.name))
      throw new NameTakenError('node template', input.name);
    const t = Object.assign(new NodeTemplateEntity(), {
      id: randomUUID(),
      ownerId,
      name: input.name,
      image: input.image,
      cloudInit: input.cloudInit,
      cloudInitKind: kind,
      sshKeys: input.sshKeys.map((k) => k.trim()),
      createdAt: this.clock.now(),
    });
    await this.repo.insertTemplate(t);
    return t;
  }

  async template(ownerId: string, idOrName: string): Promise<NodeTemplateEntity> {
    const t = await this.repo.findTemplate(ownerId, idOrName);
    if (!t)
      throw new ComputeNotFoundError(ComputeErrorCodes.templateNotFound, 'Node template', idOrName);
    return t;
  }

  templates(ownerId: string): Promise<NodeTemplateEntity[]> {
    return this.repo.listTemplates(ownerId);
  }
}
