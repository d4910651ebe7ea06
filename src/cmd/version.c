// SPDX-License-Identifier: MIT
/* linerate --version: the program's version, then the libraries it runs
 * with and whether they can do TLS, so a copied static binary (which has
 * no TLS, see docs/install.md) says what it is. */
#include <stdio.h>

#include <bpf/libbpf.h>
#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>

#include "cmd/cmd.h"

int cmd_version(void)
{
	const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
	bool mhd_tls = MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
	bool curl_tls = curl && (curl->features & CURL_VERSION_SSL);

	printf("linerate " LINERATE_VERSION "\n");
	printf("  libbpf %s, jansson %s\n", libbpf_version_string(),
	       jansson_version_str());
	printf("  server: libmicrohttpd %s (TLS: %s)\n", MHD_get_version(),
	       mhd_tls ? "yes" : "no");
	printf("  client: libcurl %s (TLS: %s)\n",
	       curl ? curl->version : "unknown",
	       curl_tls ? (curl->ssl_version ? curl->ssl_version : "yes") :
			  "no");
	return EXIT_OK;
}
