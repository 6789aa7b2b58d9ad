#!/usr/bin/perl
# packaging/rt/mamori-rt-setup.pl -- install mamori's scrip into RT 5 (and,
# for tests, the user and custom field it writes with). Idempotent: a rerun
# updates the scrip's code. Run as the RT user (www-data) with RT's
# environment (RT_SITE_CONFIG...):
#
#   perl mamori-rt-setup.pl --scrip /usr/share/mamori/rt/mamori-scrip.pl \
#        [--user mamori --token-secret <32 hex>] [--custom-field Harassment]
#
# --user creates an RT user for mamori's write-back (comments, the custom
# field) and prints its auth token ("1-<uid>-<secret>") on stdout; give it
# CommentOnTicket, ShowTicket, SeeCustomField and ModifyCustomField on the
# queues mamori serves (the test grants SuperUser for brevity).
use strict;
use warnings;
use lib '/usr/share/request-tracker5/lib';
use Getopt::Long;
use RT -init;

my ($scrip_file, $user_name, $token_secret, $cf_name, $superuser);
GetOptions('scrip=s' => \$scrip_file, 'user=s' => \$user_name, 'token-secret=s' => \$token_secret,
           'custom-field=s' => \$cf_name, 'superuser' => \$superuser) or die "bad options\n";
die "--scrip FILE is required\n" unless $scrip_file;
open my $fh, '<', $scrip_file or die "$scrip_file: $!\n";
my $code = do { local $/; <$fh> };
close $fh;

my $condition = q{my $type = $self->TransactionObj->Type; return ($type eq 'Create' || $type eq 'Correspond') ? 1 : 0;};
my $scrip = RT::Scrip->new(RT->SystemUser);
$scrip->LoadByCols(Description => 'mamori: post new tickets and replies to mamori');
if ($scrip->id) {
    $scrip->SetCustomCommitCode($code);
    $scrip->SetCustomIsApplicableCode($condition);
    $scrip->SetStage('TransactionBatch') if $scrip->can('SetStage');
} else {
    my ($ok, $msg) = $scrip->Create(
        Description => 'mamori: post new tickets and replies to mamori',
        ScripCondition => 'User Defined', ScripAction => 'User Defined', Template => 'Blank',
        Stage => 'TransactionBatch', CustomIsApplicableCode => $condition,
        CustomPrepareCode => 'return 1;', CustomCommitCode => $code);
    die "scrip: $msg\n" unless $ok;
}
print STDERR "scrip ", $scrip->id, " installed (TransactionBatch)\n";

if ($cf_name) {
    my $cf = RT::CustomField->new(RT->SystemUser);
    $cf->LoadByName(Name => $cf_name, LookupType => 'RT::Queue-RT::Ticket');
    unless ($cf->id) {
        my ($ok, $msg) = $cf->Create(Name => $cf_name, Type => 'FreeformMultiple', LookupType => 'RT::Queue-RT::Ticket',
                                     Description => 'tags written by mamori');
        die "custom field: $msg\n" unless $ok;
        ($ok, $msg) = $cf->AddToObject(RT::Queue->new(RT->SystemUser));  # global
        die "custom field apply: $msg\n" unless $ok;
    }
    print STDERR "custom field $cf_name is ", $cf->id, "\n";
}

if ($user_name) {
    my $u = RT::User->new(RT->SystemUser);
    $u->Load($user_name);
    unless ($u->id) {
        my ($ok, $msg) = $u->Create(Name => $user_name, Privileged => 1, EmailAddress => "$user_name\@localhost",
                                    RealName => 'mamori (automatic notes)');
        die "user: $msg\n" unless $ok;
    }
    if ($superuser) {
        $u->PrincipalObj->GrantRight(Right => 'SuperUser', Object => RT->System);
    }
    if ($token_secret) {
        # A known token for tests: RT stores a hash of a random secret, so
        # the generator is replaced for this one Create.
        no warnings 'redefine';
        local *RT::AuthToken::_GenerateToken = sub { return $token_secret };
        my $token = RT::AuthToken->new(RT->SystemUser);
        my ($ok, $msg, $auth) = $token->Create(Owner => $u->id, Description => 'mamori write-back');
        die "token: $msg\n" unless $ok;
        print "$auth\n";
    }
}
