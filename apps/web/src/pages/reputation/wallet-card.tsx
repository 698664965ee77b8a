import { useState } from 'react';
import { api } from '../../api';
import { useToast } from '../../components/toasts';
import { Button, Card, CopyButton, Field, Modal } from '../../components/ui';
import { dateTime } from '../../lib/format';
import { useApi } from '../../lib/use-api';
import type { Eip1193, LinkedWallet, WalletChallenge } from './reputation-types';

function injectedWallet(): Eip1193 | undefined {
  return (window as unknown as { ethereum?: Eip1193 }).ethereum;
}

const hex = (s: string): string =>
  `0x${Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, '0')).join('')}`;

/**
 * Links a wallet with Sign-In with Ethereum: through the browser wallet (window.ethereum,
 * personal_sign) when there is one, else by pasting a signature made elsewhere.
 */
export function WalletCard(props: { onLinked: () => void }) {
  const toast = useToast();
  const { data, reload } = useApi<{ wallet: LinkedWallet | null }>('/v1/me/wallet');
  const [busy, setBusy] = useState(false);
  const [pasteOpen, setPasteOpen] = useState(false);
  const [address, setAddress] = useState('');
  const [message, setMessage] = useState('');
  const [signature, setSignature] = useState('');

  const verify = async (msg: string, sig: string) => {
    await api.post<LinkedWallet>('/v1/me/wallet/verify', { message: msg, signature: sig.trim() });
    toast.success('Wallet linked', 'Your Gitcoin Passport score now counts.');
    setPasteOpen(false);
    setMessage('');
    setSignature('');
    await reload();
    props.onLinked();
  };

  const linkWithBrowserWallet = async (eth: Eip1193) => {
    setBusy(true);
    try {
      const [account] = (await eth.request({ method: 'eth_requestAccounts' })) as string[];
      if (!account) throw new Error('The wallet shared no account');
      const chain = Number.parseInt(String(await eth.request({ method: 'eth_chainId' })), 16) || 1;
      const c = await api.post<WalletChallenge>('/v1/me/wallet/nonce', {
        address: account,
        chain_id: chain,
      });
      const sig = (await eth.request({
        method: 'personal_sign',
        params: [hex(c.message!), account],
      })) as string;
      await verify(c.message!, sig);
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(false);
    }
  };

  const prepare = async () => {
    setBusy(true);
    try {
      const c = await api.post<WalletChallenge>('/v1/me/wallet/nonce', { address: address.trim() });
      setMessage(c.message ?? '');
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(false);
    }
  };

  const unlink = async () => {
    try {
      await api.del('/v1/me/wallet');
      await reload();
      props.onLinked();
    } catch (err) {
      toast.error(err);
    }
  };

  const eth = injectedWallet();
  const wallet = data?.wallet;
  return (
    <Card
      title="Wallet"
      actions={
        wallet ? (
          <Button small variant="ghost" onClick={() => void unlink()}>
            Unlink
          </Button>
        ) : null
      }
    >
      {wallet ? (
        <dl className="kv">
          <dt>Address</dt>
          <dd className="mono" style={{ wordBreak: 'break-all' }}>
            {wallet.address}
          </dd>
          <dt>Linked</dt>
          <dd>{dateTime(wallet.linked_at)}</dd>
        </dl>
      ) : (
        <>
          <p className="muted">
            Prove a wallet with Sign-In with Ethereum to add its Gitcoin Passport score (up to 20
            points; a passing Passport also earns the passport tier).
          </p>
          <div className="page-actions">
            {eth && (
              <Button variant="primary" busy={busy} onClick={() => void linkWithBrowserWallet(eth)}>
                Link wallet
              </Button>
            )}
            <Button variant={eth ? 'secondary' : 'primary'} onClick={() => setPasteOpen(true)}>
              {eth ? 'Paste a signature instead' : 'Link wallet'}
            </Button>
          </div>
        </>
      )}
      <Modal
        open={pasteOpen}
        title="Link a wallet by signature"
        onClose={() => setPasteOpen(false)}
        footer={
          <>
            <Button onClick={() => setPasteOpen(false)}>Cancel</Button>
            <Button
              variant="primary"
              disabled={!message || !signature.trim()}
              onClick={() =>
                void verify(message, signature).catch((err: unknown) => toast.error(err))
              }
            >
              Verify and link
            </Button>
          </>
        }
      >
        <Field label="Wallet address" htmlFor="wallet-address">
          <div className="page-actions">
            <input
              id="wallet-address"
              className="input mono"
              placeholder="0x…"
              value={address}
              onChange={(e) => setAddress(e.target.value)}
            />
            <Button
              busy={busy}
              disabled={!/^0x[0-9a-fA-F]{40}$/.test(address.trim())}
              onClick={() => void prepare()}
            >
              Get message
            </Button>
          </div>
        </Field>
        {message && (
          <>
            <Field
              label="Message to sign (personal_sign), valid 10 minutes"
              hint={<CopyButton text={message} />}
            >
              <textarea
                className="input mono"
                readOnly
                rows={9}
                value={message}
                aria-label="Message to sign"
              />
            </Field>
            <Field label="Signature" htmlFor="wallet-signature">
              <input
                id="wallet-signature"
                className="input mono"
                placeholder="0x… (130 hex characters)"
                value={signature}
                onChange={(e) => setSignature(e.target.value)}
              />
            </Field>
          </>
        )}
      </Modal>
    </Card>
  );
}
