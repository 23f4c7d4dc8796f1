# Stands in for the unit tests in make check when configure found no Boost.Test.
echo "skipped: the unit tests need Boost.Test (Debian: libboost-test-dev); configure did not find it"
exit 77
