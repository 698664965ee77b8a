import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock, NANOPOD_CONFIG, NanopodConfig } from '@nanopod/common';
import type { SiweMessage } from 'siwe';
import {
  ReputationErrorCodes,
  WalletNotLinkedError,
  WalletProofError,
  WalletTakenError,
} from '../reputation.errors';
import { LinkedWallet, WalletRepository } from './wallet.repository';

const NONCE_TTL_MS = 10 * 60_000;
const STATEMENT = 'Link this wallet to my Nanopod account for reputation scoring.';
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/;

export interface WalletChallenge {
  nonce: string;
  domain: string;
  uri: string;
  version: '1';
  chain_id: number;
  statement: string;
  issued_at: string;
  expiration_time: string;
  /** The full EIP-4361 text to sign, when the address was given. */
  message?: string;
}

/**
 * siwe and ethers on first use: a third of a second of module loading that every platform start
 * (and every test suite) paid for the few that link a wallet.
 */
let siwe: Promise<{
  getAddress: typeof import('ethers').getAddress;
  generateNonce: typeof import('siwe').generateNonce;
  SiweMessage: typeof import('siwe').SiweMessage;
}> | null = null;
function loadSiwe() {
  siwe ??= Promise.all([import('ethers'), import('siwe')]).then(([ethers, s]) => ({
    getAddress: ethers.getAddress,
    generateNonce: s.generateNonce,
    SiweMessage: s.SiweMessage,
  }));
  return siwe;
}

/**
 * Wallet proof with Sign-In with Ethereum (EIP-4361): a server-issued single-use nonce, the
 * signed message checked for our domain, the nonce, its time window and the signature (EOA,
 * EIP-191). One wallet per user and one user per wallet; every (re-)link is audited.
 */
@Injectable()
export class WalletService {
  private readonly logger = new Logger(WalletService.name);

  constructor(
    private readonly repo: WalletRepository,
    private readonly clock: Clock,
    @Inject(NANOPOD_CONFIG) private readonly config: NanopodConfig,
  ) {}

  /** The domain the message must name: the host (and port) users reach the platform at. */
  private get domain(): string {
    return new URL(this.config.publicUrl).host;
  }

  async challenge(userId: string, address?: string, chainId = 1): Promise<WalletChallenge> {
    const now = this.clock.now();
    const expires = new Date(now.getTime() + NONCE_TTL_MS);
    const { generateNonce, getAddress, SiweMessage } = await loadSiwe();
    const nonce = generateNonce();
    await this.repo.insertNonce(nonce, userId, now, expires);
    const fields = {
      nonce,
      domain: this.domain,
      uri: this.config.publicUrl,
      version: '1' as const,
      chain_id: chainId,
      statement: STATEMENT,
      issued_at: now.toISOString(),
      expiration_time: expires.toISOString(),
    };
    if (!address) return fields;
    let message: string;
    try {
      // Wallets often hand out lower-case addresses; EIP-4361 wants the EIP-55 form.
      const checksummed = getAddress(address);
      message = new SiweMessage({
        domain: fields.domain,
        address: checksummed,
        statement: STATEMENT,
        uri: fields.uri,
        version: '1',
        chainId,
        nonce,
        issuedAt: fields.issued_at,
        expirationTime: fields.expiration_time,
      }).prepareMessage();
    } catch (err) {
      throw new WalletProofError(
        ReputationErrorCodes.siweInvalid,
        'The address is not a valid EIP-55 address',
        {
          reason: (err as Error).message,
        },
      );
    }
    return { ...fields, message };
  }

  async verify(userId: string, text: string, signature: string): Promise<LinkedWallet> {
    const { SiweMessage } = await loadSiwe();
    let message: SiweMessage;
    try {
      message = new SiweMessage(text);
    } catch (err) {
      throw new WalletProofError(
        ReputationErrorCodes.siweInvalid,
        'The message is not a valid EIP-4361 message',
        {
          reason: err instanceof Error ? err.message : String(err),
        },
      );
    }
    if (!SIGNATURE.test(signature)) {
      throw new WalletProofError(
        ReputationErrorCodes.signatureInvalid,
        'The signature is not a 65-byte hex string',
      );
    }
    const now = this.clock.now();
    // Consumed before the signature is checked: a nonce is good for one attempt, whatever its outcome.
    const state = await this.repo.consumeNonce(message.nonce, userId, now);
    if (state !== 'ok') {
      throw new WalletProofError(
        ReputationErrorCodes.nonceInvalid,
        `The nonce is ${state === 'unknown' ? 'not one we issued to you' : state}`,
        {
          reason: state,
        },
      );
    }
    const result = await message.verify(
      { signature, domain: this.domain, nonce: message.nonce, time: now.toISOString() },
      { suppressExceptions: true },
    );
    if (!result.success) {
      const reason =
        (result.error as { type?: string; message?: string } | undefined)?.type ??
        (result.error as { message?: string } | undefined)?.message;
      throw new WalletProofError(
        ReputationErrorCodes.signatureInvalid,
        'The signed message does not verify',
        {
          reason,
        },
      );
    }
    return this.link(userId, message.address, Number(message.chainId), now);
  }

  private async link(
    userId: string,
    address: string,
    chainId: number,
    now: Date,
  ): Promise<LinkedWallet> {
    const wallet = await this.repo
      .transaction(async (m) => {
        // The unique index on the address settles a race between two users; see the catch below.
        const owner = await this.repo.findByAddress(address, m);
        if (owner && owner.userId !== userId) throw new WalletTakenError();
        const current = await this.repo.findByUser(userId, m);
        const next = { userId, address, chainId, linkedAt: now };
        await this.repo.upsert(m, next);
        const relink = current && current.address.toLowerCase() !== address.toLowerCase();
        await this.repo.audit(m, {
          userId,
          action: relink ? 'relinked' : 'linked',
          address,
          previousAddress: relink ? current.address : null,
          at: now,
        });
        return next;
      })
      .catch((err: unknown) => {
        if ((err as { code?: string }).code === '23505') throw new WalletTakenError();
        throw err;
      });
    this.logger.log({ userId }, 'wallet linked');
    return wallet;
  }

  get(userId: string): Promise<LinkedWallet | null> {
    return this.repo.findByUser(userId);
  }

  async unlink(userId: string): Promise<LinkedWallet> {
    return this.repo.transaction(async (m) => {
      const removed = await this.repo.delete(m, userId);
      if (!removed) throw new WalletNotLinkedError();
      await this.repo.audit(m, {
        userId,
        action: 'unlinked',
        address: removed.address,
        previousAddress: null,
        at: this.clock.now(),
      });
      return removed;
    });
  }

  history(userId: string) {
    return this.repo.history(userId);
  }
}
