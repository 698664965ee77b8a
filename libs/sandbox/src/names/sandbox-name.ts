import { randomBytes } from 'node:crypto';

/**
 * A sandbox name: a DNS label (RFC 1123: lowercase letters, digits and '-', 1 to 63 characters,
 * starting and ending with a letter or digit), so it also fits a hostname or a container name.
 */
export const SANDBOX_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

// Short, unambiguous words (docker's and Daytona's habit of readable generated names).
const ADJECTIVES = (
  'amber bold brave brisk calm clever cosmic crisp eager fancy gentle glad golden happy ' +
  'jolly keen kind lively lucky merry mighty nimble noble polite proud quick quiet rapid ' +
  'shiny silent smart snowy solid sunny swift tidy vivid warm wise witty'
).split(' ');
const NOUNS = (
  'badger beaver bison cedar comet condor coral crane dolphin eagle falcon fern finch fox ' +
  'gecko heron ibis koala lemur lynx maple marmot meadow moose newt orca otter owl panda ' +
  'pine puffin quail raven river robin salmon sparrow tiger walrus wren'
).split(' ');

/**
 * A readable name for a sandbox created without one: adjective-noun-4 hex digits
 * (`brave-otter-3f2a`, 1600 x 65536 names). Not unique by itself: the insert retries on a clash
 * with one of the owner's live sandboxes.
 */
export function generateSandboxName(): string {
  const [a, n, h1, h2] = randomBytes(4);
  const hex = ((h1 << 8) | h2).toString(16).padStart(4, '0');
  return `${ADJECTIVES[a % ADJECTIVES.length]}-${NOUNS[n % NOUNS.length]}-${hex}`;
}
