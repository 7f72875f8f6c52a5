export { legacyInstant } from './legacyInstant';
export { type LegacyPath, parseLegacyPath, isSessionId } from './legacyPath';
export { type ExportDocument, misplacedLine, parseExportLine } from './exportLine';
export { type LegacySession, type LegacySessionContext, type LegacySessionResult, PLAUSIBLE_FROM_MS, parseLegacySession } from './parseLegacySession';
export { type LegacyUser, parseLegacyUser } from './parseLegacyUser';
export { REJECT_REASONS, type RejectReason, type Reject } from './rejectReason';
export { deletedUserReject } from './deletedUserReject';
export { type LegacyFriendListing, parseLegacyFriends } from './parseLegacyFriends';
export { MIRROR_MARKER, isMirroredSession, mirrorDocumentId } from './mirroredSession';
