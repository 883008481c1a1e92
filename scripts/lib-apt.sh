# lib-apt.sh: sourced by cuda-sdk.sh and ptxas-sm90a.sh. apt-get with a
# private sources list, package lists and cache under one directory, so
# that the system's apt configuration and state stay unchanged.
#
#   apt_private DIR          prepare DIR; the caller writes its deb822
#                            entry into DIR/sources.list.d/
#   apt_get ARGS...          apt-get on DIR's configuration
#   apt_download DEST PKG... apt_get download into DEST, three tries (the
#                            mirror is fetched over plain HTTP)
# Needs `say` from the caller.

for tool in apt-get dpkg-deb tar; do
	command -v $tool >/dev/null || { say "$tool not found (a Debian/Ubuntu system is needed)"; exit 1; }
done

apt_private() {
	APT_DIR=$1
	mkdir -p "$APT_DIR/sources.list.d" "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
	: >"$APT_DIR/sources.list"
}

apt_get() {
	apt-get -o Dir::Etc::SourceList="$APT_DIR/sources.list" \
		-o Dir::Etc::SourceParts="$APT_DIR/sources.list.d" \
		-o Dir::State::Lists="$APT_DIR/lists" \
		-o Dir::Cache="$APT_DIR/cache" \
		-o Debug::NoLocking=1 \
		-o APT::Sandbox::User="$(id -un)" "$@"
}

apt_download() {
	dest=$1
	shift
	for try in 1 2 3; do
		if (cd "$dest" && apt_get -q download "$@" >&2); then
			return 0
		fi
		[ $try = 3 ] && { say "download failed 3 times"; exit 1; }
		say "download failed; retrying"
		rm -f "$dest"/*.deb
		sleep 5
	done
}
