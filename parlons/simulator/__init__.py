"""A local stand-in for Meta's platforms: ``graph`` behaves like the Graph API for every call Parlons makes
(and can be told to fail), ``traffic`` posts signed, realistic webhook deliveries to a running Parlons."""
