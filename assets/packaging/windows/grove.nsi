; Grove's Windows installer: per user, no administrator rights needed.
;
; Built by assets/packaging/windows.sh (`make package-windows`):
;   makensis -DVERSION=0.1.0 -DBUILD=1 -DAPP_ID=app.grove.desktop -DAPP_NAME=Grove
;            -DBIN_DIR=dist/windows -DICON=grove.ico -DOUT_FILE=setup.exe
;            [-DWIZARD_BMP=wizard.bmp] [-DSIGN=sign.sh] grove.nsi
;
; Installs Grove.exe (the app) and grove.com (the same program as a console
; binary, for the command line) into %LOCALAPPDATA%\Programs\Grove, adds
; Start-menu entries and an entry in Settings > Apps with an uninstaller.
; Data is not here: Grove keeps it in %AppData%\Grove, which the uninstaller
; leaves alone.
;
; Windows Firewall: Grove accepts sync connections on TCP 7420 and finds
; peers with mDNS (UDP 5353). Only an administrator can add firewall rules,
; so a per-user installer cannot do it silently. A page explains this and
; offers to add program-scoped rules (private and domain networks only) by
; running netsh elevated: Windows shows its UAC prompt, the user may decline
; and the installation continues either way. Silent installs (/S) add no
; rule unless /FIREWALL is given.

Unicode true
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID /FINAL lzma
SetCompressorDictSize 64
SetDateSave off
CRCCheck on
!if /FileExists "${NSISDIR}/Stubs/lzma_solid-amd64-unicode"
Target amd64-unicode
!endif

!ifdef SIGN
!finalize '"${SIGN}" "%1"' = 0
!uninstfinalize '"${SIGN}" "%1"' = 0
!endif

!define SYNC_PORT 7420
!define MDNS_PORT 5353
!define FW_RULE "Grove"
!define APP_KEY "Software\Grove"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"

Name "${APP_NAME}"
OutFile "${OUT_FILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP_NAME}"
InstallDirRegKey HKCU "${APP_KEY}" "InstallDir"
BrandingText "${APP_NAME} ${VERSION}"

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include nsDialogs.nsh

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!ifdef WIZARD_BMP
!define MUI_WELCOMEFINISHPAGE_BITMAP "${WIZARD_BMP}"
!define MUI_UNWELCOMEFINISHPAGE_BITMAP "${WIZARD_BMP}"
!endif
!define MUI_WELCOMEPAGE_TEXT "This installs ${APP_NAME} ${VERSION} for you only, in your user folder: no administrator rights are needed.$\r$\n$\r$\nYour ${APP_NAME} data is kept in your user folder too, separately, and an uninstall leaves it alone.$\r$\n$\r$\nClick Next to continue."
!define MUI_FINISHPAGE_RUN "$INSTDIR\Grove.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Open ${APP_NAME} now"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
Page custom FirewallPage FirewallPageLeave
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

VIProductVersion "${VERSION}.${BUILD}"
VIFileVersion "${VERSION}.${BUILD}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}.${BUILD}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${APP_NAME} ${VERSION} installer"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "The Grove authors"

Var AddFirewall ; 1: add the firewall rules
Var FirewallBox

Function .onInit
	StrCpy $AddFirewall 1
	${If} ${Silent}
		StrCpy $AddFirewall 0
		${GetParameters} $0
		ClearErrors
		${GetOptions} $0 "/FIREWALL" $1
		${IfNot} ${Errors}
			StrCpy $AddFirewall 1
		${EndIf}
	${EndIf}
FunctionEnd

Function FirewallPage
	!insertmacro MUI_HEADER_TEXT "Network access" "Let your team's other devices reach this one."
	nsDialogs::Create 1018
	Pop $0
	${NSD_CreateLabel} 0 0 100% 64u "${APP_NAME} syncs directly with your team's other devices. They connect to this computer on TCP port ${SYNC_PORT} and find it on the local network with mDNS (UDP port ${MDNS_PORT}). Windows Firewall blocks such incoming connections until a rule allows them, and only an administrator can add one.$\r$\n$\r$\nWithout the rule this computer still syncs by connecting to the others; they just cannot connect to it."
	Pop $0
	${NSD_CreateCheckbox} 0 70u 100% 12u "&Allow ${APP_NAME} through Windows Firewall on private and domain networks"
	Pop $FirewallBox
	${If} $AddFirewall == 1
		${NSD_Check} $FirewallBox
	${EndIf}
	${NSD_CreateLabel} 0 88u 100% 48u "Windows will ask for an administrator's approval; if you decline, the installation continues without the rule. You can add it later by running this installer again. Public networks (cafés, airports) are never opened."
	Pop $0
	nsDialogs::Show
FunctionEnd

Function FirewallPageLeave
	${NSD_GetState} $FirewallBox $0
	${If} $0 == ${BST_CHECKED}
		StrCpy $AddFirewall 1
	${Else}
		StrCpy $AddFirewall 0
	${EndIf}
FunctionEnd

; AddFirewallRules runs netsh once, elevated (one UAC prompt), to replace the
; rules named ${FW_RULE} with allow rules for Grove.exe and grove.com, then
; checks (without elevation) that they exist.
Function AddFirewallRules
	StrCpy $0 'advfirewall firewall add rule name="${FW_RULE}" dir=in action=allow profile=private,domain'
	StrCpy $1 'description="Grove sync (TCP ${SYNC_PORT}) and LAN discovery (mDNS, UDP ${MDNS_PORT})"'
	StrCpy $2 '/c netsh advfirewall firewall delete rule name="${FW_RULE}" >nul'
	StrCpy $2 '$2 & netsh $0 $1 protocol=TCP localport=${SYNC_PORT} program="$INSTDIR\Grove.exe"'
	StrCpy $2 '$2 & netsh $0 $1 protocol=UDP localport=${MDNS_PORT} remoteip=localsubnet program="$INSTDIR\Grove.exe"'
	StrCpy $2 '$2 & netsh $0 $1 protocol=TCP localport=${SYNC_PORT} program="$INSTDIR\grove.com"'
	StrCpy $2 '$2 & netsh $0 $1 protocol=UDP localport=${MDNS_PORT} remoteip=localsubnet program="$INSTDIR\grove.com"'
	DetailPrint "Asking Windows for approval to add firewall rules..."
	ClearErrors
	ExecShellWait "runas" "$SYSDIR\cmd.exe" '$2' SW_HIDE
	nsExec::ExecToStack '"$SYSDIR\netsh.exe" advfirewall firewall show rule name="${FW_RULE}"'
	Pop $3 ; exit code: 0 when the rule exists
	Pop $4
	${If} $3 == 0
		WriteRegDWORD HKCU "${APP_KEY}" "FirewallRules" 1
		DetailPrint "Windows Firewall now allows ${APP_NAME} on private and domain networks."
	${Else}
		DetailPrint "No firewall rule was added."
		MessageBox MB_OK|MB_ICONINFORMATION "No firewall rule was added, so other devices cannot connect to this one (it can still connect to them).$\r$\n$\r$\nTo add the rule later, run this installer again, or let an administrator allow ${APP_NAME} when Windows asks the first time it syncs." /SD IDOK
	${EndIf}
FunctionEnd

Section "${APP_NAME}" SecMain
	SetOutPath "$INSTDIR"
	File "${BIN_DIR}/Grove.exe"
	File "${BIN_DIR}/grove.com"
	WriteUninstaller "$INSTDIR\Uninstall.exe"

	; Start menu (this user's): the app, and a console in which `grove`
	; commands work. Both start in the user's profile folder.
	SetOutPath "$PROFILE"
	CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\Grove.exe" "" "$INSTDIR\Grove.exe" 0
	CreateShortcut "$SMPROGRAMS\${APP_NAME} command line.lnk" "$SYSDIR\cmd.exe" '/k "set "PATH=$INSTDIR;%PATH%" && grove --version"' "$INSTDIR\Grove.exe" 0

	WriteRegStr HKCU "${APP_KEY}" "InstallDir" "$INSTDIR"
	WriteRegStr HKCU "${APP_KEY}" "Version" "${VERSION}"
	${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
	WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${APP_NAME}"
	WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
	WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "The Grove authors"
	WriteRegStr HKCU "${UNINST_KEY}" "URLInfoAbout" "https://grove.app"
	WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\Grove.exe,0"
	WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
	WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
	WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
	WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" $0
	WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
	WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1

	${If} $AddFirewall == 1
		Call AddFirewallRules
	${EndIf}
SectionEnd

Section "Uninstall"
	ReadRegDWORD $0 HKCU "${APP_KEY}" "FirewallRules"
	${If} $0 == 1
		MessageBox MB_YESNO|MB_ICONQUESTION "Also remove the Windows Firewall rules for ${APP_NAME}? Windows will ask for an administrator's approval." /SD IDNO IDNO keep_rules
		ExecShellWait "runas" "$SYSDIR\netsh.exe" 'advfirewall firewall delete rule name="${FW_RULE}"' SW_HIDE
		keep_rules:
	${EndIf}
	Delete "$SMPROGRAMS\${APP_NAME}.lnk"
	Delete "$SMPROGRAMS\${APP_NAME} command line.lnk"
	Delete "$INSTDIR\Grove.exe"
	Delete "$INSTDIR\grove.com"
	Delete "$INSTDIR\Uninstall.exe"
	RMDir "$INSTDIR"
	DeleteRegKey HKCU "${UNINST_KEY}"
	DeleteRegKey HKCU "${APP_KEY}"
	; %AppData%\Grove (this device's identity and workspaces) is kept.
SectionEnd
