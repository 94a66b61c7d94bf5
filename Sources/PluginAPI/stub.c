#include "uvw_plugin.h"
