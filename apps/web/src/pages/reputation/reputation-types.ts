/** libs/reputation/src/dto/reputation.dto.ts and wallet.dto.ts */
export interface ReputationPart {
  source: 'github' | 'passport';
  status: 'ok' | 'unknown' | 'not_linked';
  value: number | null;
  max: number;
  reason?: string;
  details: Record<string, unknown>;
  fetched_at: string | null;
  explanation: string;
}

export interface Reputation {
  status: 'ok' | 'partial' | 'unknown';
  score: number | null;
  parts: ReputationPart[];
  computed_at: string;
  explanation: string;
}

export interface WalletChallenge {
  nonce: string;
  domain: string;
  uri: string;
  chain_id: number;
  statement: string;
  issued_at: string;
  expiration_time: string;
  message?: string;
}

export interface LinkedWallet {
  address: string;
  chain_id: number;
  linked_at: string;
}

/** The EIP-1193 provider a browser wallet injects. */
export interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}
