// libyaml as Debian's libyaml-dev installs it.
#include <yaml.h>
