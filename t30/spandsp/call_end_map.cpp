#include "fax/t30/spandsp/call_end_map.h"

#include "fax/t30/spandsp/spandsp.h"

namespace fax::t30::spandsp {

CallEnd call_end_from_completion(int code) {
    switch (code) {
    case T30_ERR_OK: return CallEnd::Ok;

    // T.30 §5.4.3: the timers. T0 (no answer from a fax terminal), T1 (no handshake),
    // T2/T3/T5 (no command, no operator, receiver not ready in ECM).
    case T30_ERR_T0_EXPIRED:
    case T30_ERR_T1_EXPIRED:
    case T30_ERR_T3_EXPIRED:
    case T30_ERR_TX_T5EXP:
    case T30_ERR_RX_T2EXPDCN:
    case T30_ERR_RX_T2EXPD:
    case T30_ERR_RX_T2EXPFAX:
    case T30_ERR_RX_T2EXPMPS:
    case T30_ERR_RX_T2EXPRR:
    case T30_ERR_RX_T2EXP: return CallEnd::Timeout;

    // T.30 §5.3.2.4: FTT to every DCS down to the slowest common modulation.
    case T30_ERR_CANNOT_TRAIN: return CallEnd::TrainingFailed;

    // The far end cannot take (or give) what this call needs (T.30 §5.3.6.2: DIS bits).
    case T30_ERR_INCOMPATIBLE:
    case T30_ERR_RX_INCAPABLE:
    case T30_ERR_TX_INCAPABLE:
    case T30_ERR_NORESSUPPORT:
    case T30_ERR_NOSIZESUPPORT: return CallEnd::Incompatible;

    case T30_ERR_RX_NOCARRIER:
    case T30_ERR_CALLDROPPED: return CallEnd::NoCarrier;

    // Returned by our phase B handler: the remote is not the station the number was
    // verified for.
    case T30_ERR_IDENT_UNACCEPTABLE: return CallEnd::IdentMismatch;

    case T30_ERR_FILEERROR:
    case T30_ERR_NOPAGE:
    case T30_ERR_BADTIFF:
    case T30_ERR_BADPAGE:
    case T30_ERR_BADTAG:
    case T30_ERR_BADTIFFHDR: return CallEnd::Document;

    case T30_ERR_CEDTONE:
    case T30_ERR_HDLC_CARRIER:
    case T30_ERR_OPER_INT_FAIL:
    case T30_ERR_UNEXPECTED:
    case T30_ERR_TX_BADDCS:
    case T30_ERR_TX_BADPG:
    case T30_ERR_TX_ECMPHD:
    case T30_ERR_TX_GOTDCN:
    case T30_ERR_TX_INVALRSP:
    case T30_ERR_TX_NODIS:
    // No response to DCS/TCF or to a post-page command after three tries (T.30 §5.3.2.4,
    // §5.4.3.1): counted as a procedure failure, not a timer, as the station always has.
    case T30_ERR_TX_PHBDEAD:
    case T30_ERR_TX_PHDDEAD:
    case T30_ERR_RX_ECMPHD:
    case T30_ERR_RX_GOTDCS:
    case T30_ERR_RX_INVALCMD:
    case T30_ERR_RX_NOEOL:
    case T30_ERR_RX_NOFAX:
    case T30_ERR_RX_DCNWHY:
    case T30_ERR_RX_DCNDATA:
    case T30_ERR_RX_DCNFAX:
    case T30_ERR_RX_DCNPHD:
    case T30_ERR_RX_DCNRRD:
    case T30_ERR_RX_DCNNORTN:
    case T30_ERR_RETRYDCN:
    case T30_ERR_NOPOLL:
    case T30_ERR_SUB_UNACCEPTABLE:
    case T30_ERR_SEP_UNACCEPTABLE:
    case T30_ERR_PSA_UNACCEPTABLE:
    case T30_ERR_SID_UNACCEPTABLE:
    case T30_ERR_PWD_UNACCEPTABLE:
    case T30_ERR_TSA_UNACCEPTABLE:
    case T30_ERR_IRA_UNACCEPTABLE:
    case T30_ERR_CIA_UNACCEPTABLE:
    case T30_ERR_ISP_UNACCEPTABLE:
    case T30_ERR_CSA_UNACCEPTABLE: return CallEnd::Protocol;

    case T30_ERR_NOMEM:
    default: return CallEnd::Failed;
    }
}

std::string completion_text(int code) {
    const char* s = t30_completion_code_to_str(code);
    return s ? std::string(s) : "completion code " + std::to_string(code);
}

}  // namespace fax::t30::spandsp
