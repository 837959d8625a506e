#!/bin/sh
# sign.sh FILE: Authenticode-sign FILE in place with osslsigncode.
# SIGN_PKCS12: the certificate and key (.p12/.pfx); SIGN_PASSWORD_FILE: a file
# holding its password (optional); SIGN_TIMESTAMP_URL: an RFC 3161 time-stamp
# server (optional; without one the signature is valid only while the
# certificate is, and the signing time is SOURCE_DATE_EPOCH so that the
# signed file is reproducible). windows.sh calls it for Grove.exe and
# grove.com, and makensis for the uninstaller and the installer
# (!uninstfinalize, !finalize).
set -eu
: "${SIGN_PKCS12:?set SIGN_PKCS12 to a .p12/.pfx file}"
f=$1
when=
[ -n "${SIGN_TIMESTAMP_URL:-}" ] || when=${SOURCE_DATE_EPOCH:-}
osslsigncode sign -pkcs12 "$SIGN_PKCS12" ${SIGN_PASSWORD_FILE:+-readpass "$SIGN_PASSWORD_FILE"} \
	-h sha256 -n Grove -i https://grove.app ${SIGN_TIMESTAMP_URL:+-ts "$SIGN_TIMESTAMP_URL"} \
	${when:+-time "$when"} -in "$f" -out "$f.signed" >&2
cat "$f.signed" > "$f"
rm -f "$f.signed"
